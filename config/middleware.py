"""The site's own middleware: pages compressed, answers for when the database is away or too
slow (a 503 page that says so, rather than a 500), and the desk's time zone in the admin."""

import logging
import zoneinfo

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from psycopg.errors import QueryCanceled

from articles.seo import PageMeta

logger = logging.getLogger(__name__)


def _timed_out(exception):
    """Whether PostgreSQL cancelled the statement (settings.DATABASE_STATEMENT_TIMEOUT)."""
    return isinstance(exception.__cause__, QueryCanceled)


RETRY_AFTER_SECONDS = 30


class PageCompressionMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH mitigation; a public page holds no secret) for pages, feeds and
    the API: files streamed from disk (uploads) go out as they are, by sendfile, with their length."""

    def process_response(self, request, response):
        if response.streaming:
            return response
        return super().process_response(request, response)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a friendly page and Retry-After.

    Django reconnects by itself on the next request (CONN_HEALTH_CHECKS), so the site recovers as
    soon as the database is back; nothing here needs resetting.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if _timed_out(exception):
            logger.error(
                "Statement timeout: %s took longer than the database allows", request.get_full_path()
            )
        else:
            logger.error("Database unavailable for %s: %s", request.path, exception)
        meta = PageMeta("Temporarily unavailable", "The knowledge base is back in a moment.")
        response = render(request, "503.html", {"meta": meta}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class DeskTimeZoneMiddleware:
    """The admin's times are in settings.DESK_TIME_ZONE (shown and typed there; stored in UTC), the
    public pages' in TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.desk = zoneinfo.ZoneInfo(settings.DESK_TIME_ZONE)
        self.admin = reverse_lazy("admin:index")

    def __call__(self, request):
        if not request.path.startswith(str(self.admin)):
            return self.get_response(request)
        with timezone.override(self.desk):
            return self.get_response(request)
