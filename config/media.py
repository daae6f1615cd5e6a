"""Uploaded files served by the app, as production serves them on one machine.

Portraits, lead images and pictures in bodies live under MEDIA_ROOT (FileSystemStorage). Django's
`static()` helper adds a route only while DEBUG is on; this view serves them in production too, with
what a file server would add: a long-lived cache header (uploads get fresh names, never rewritten),
conditional requests (304), and a policy that keeps an uploaded file from ever acting as a page.
With several app servers, uploads go to an object store instead (MEDIA_S3_BUCKET) and this route is
not installed. A proxy in front may serve /media/ from the same folder itself (docs/deployment.md).
"""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.urls import re_path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

MEDIA_MAX_AGE = 24 * 3600
# An uploaded file is shown, never run: no scripts, no plugins, a sandbox if opened on its own.
MEDIA_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_safe
def serve_media(request, path):
    """One uploaded file, or 404 (no directory listings, nothing outside MEDIA_ROOT)."""
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except (SuspiciousFileOperation, OSError, ValueError):
        # "../", a name longer than the file system takes, a NUL byte: there is nothing of ours there.
        raise Http404("No such file.") from None
    patch_cache_control(response, public=True, max_age=MEDIA_MAX_AGE)
    response.headers["Content-Security-Policy"] = MEDIA_POLICY
    return response


def media_urlpatterns():
    """The /media/ route when uploads are files on this machine; none with an object store."""
    if settings.STORAGES["default"]["BACKEND"] != "django.core.files.storage.FileSystemStorage":
        return []
    prefix = settings.MEDIA_URL.strip("/")
    return [re_path(rf"^{prefix}/(?P<path>.+)$", serve_media, name="media")]
