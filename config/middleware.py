"""The site's own middleware: pages compressed, and answers for when the database is away or too
slow (a 503 page that says so, rather than a 500)."""

import logging

from django.db import InterfaceError, OperationalError
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
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
