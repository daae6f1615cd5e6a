"""The address a request came from, as the sign-in lock-out (django-axes) counts failures by.

With settings.TRUSTED_PROXY_COUNT = n > 0, n proxies of ours stand in front of the site and each
appends the address it was reached from to X-Forwarded-For: the client is the n-th address from
the right. Whatever a client writes into the header itself stands to the left of that and is never
read. A header with fewer addresses than n did not come through all our proxies: the connection's
own address is used. With n = 0 the header is ignored.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
