"""The reader's side of the alerts: the follow form, the confirmation, the page where a subscriber
manages what they follow (reached from any email, without an account), one-click unsubscribe
(RFC 8058) and their data, to take away or erase.

A link in an email carries a signed token (Subscriber.token, Subscription.confirm_token): a forged
or stale one is a 404. These pages are never cached and never indexed.
"""

import json

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

import pagecache
from alerts import services
from alerts.forms import FollowForm
from alerts.models import Subscriber, Subscription
from config.client_ip import client_ip


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request):
    """GET: the form for what the query names (?expert=, ?topic=, ?q=, or nothing: the whole site),
    as the Follow links of the profile, topic, search and home pages open it."""
    data = request.POST if request.method == "POST" else request.GET
    what = _followed(data)
    if what is None:
        raise Http404
    if request.method == "POST":
        if _too_many(request):
            return render(request, "alerts/too_many.html", status=429)
        form = FollowForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.ask_to_follow(
                data["email"], data["language"], data["frequency"], **form.subscription_fields()
            )
            return render(request, "alerts/check_inbox.html", {"email": data["email"], "what": what})
    else:
        form = FollowForm(
            initial={
                "language": get_language(),
                **{k: v for k, v in data.items() if k in ("expert", "topic", "q")},
            }
        )
    return render(request, "alerts/follow.html", {"form": form, "what": what})


def _followed(data):
    """What the form's hidden fields name, as the page says it; None if they name nothing there is."""
    named = {name: data.get(name, "") for name in ("expert", "topic", "q")}
    probe = FollowForm(
        {**named, "email": "reader@example.org", "frequency": "instant", "language": get_language()}
    )
    if not probe.is_valid():
        return None
    return Subscription(**probe.subscription_fields()).label()


def _too_many(request):
    """Whether this client asked to follow more than settings.ALERTS_FOLLOWS_PER_HOUR times this hour."""
    key = f"alerts:follows:{client_ip(request)}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) > settings.ALERTS_FOLLOWS_PER_HOUR
    except ValueError:  # expired between the two calls
        return False
    except pagecache.CACHE_ERRORS:  # the cache is away: the form still answers (the per-address limit holds)
        return False


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    subscription = Subscription.from_confirm_token(token)
    if subscription is None:  # forged, or the follow was removed since
        raise Http404
    if request.method == "POST":  # not on GET: a mail filter opening links must not confirm
        services.confirm(subscription)
        return redirect(subscription.subscriber.manage_url() + "?confirmed=1")
    return render(request, "alerts/confirm.html", {"subscription": subscription})


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token):
    subscriber = _subscriber_or_404(token)
    if request.method == "POST":
        action = request.POST.get("action")
        follows = subscriber.subscriptions.filter(pk=request.POST.get("subscription") or 0)
        if action == "remove":
            follows.delete()
        elif action == "frequency" and request.POST.get("frequency") in Subscription.Frequency.values:
            follows.update(frequency=request.POST["frequency"])
        elif action == "language" and request.POST.get("language") in dict(settings.LANGUAGES):
            Subscriber.objects.filter(pk=subscriber.pk).update(language=request.POST["language"])
        elif action == "erase":
            subscriber.delete()
            return render(request, "alerts/erased.html")
        return redirect(request.path)
    follows = subscriber.subscriptions.select_related("expert", "topic").order_by("created_at")
    return render(
        request,
        "alerts/manage.html",
        {
            "subscriber": subscriber,
            "follows": follows,
            "confirmed": "confirmed" in request.GET,
            "frequencies": Subscription.Frequency.choices,
        },
    )


@never_cache
@require_http_methods(["GET"])
def personal_data(request, token):
    subscriber = _subscriber_or_404(token)
    response = HttpResponse(
        json.dumps(services.personal_data(subscriber), indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-alerts.json"'
    return response


@csrf_exempt  # RFC 8058: mail clients POST here without a form of ours; the token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscriber = _subscriber_or_404(token)
    if request.method == "POST":
        subscriber.subscriptions.all().delete()
        return render(request, "alerts/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "alerts/unsubscribe.html", {"subscriber": subscriber})


def _subscriber_or_404(token):
    subscriber = Subscriber.from_token(token)
    if subscriber is None:  # forged, or erased since
        raise Http404
    return subscriber
