"""Answers for when the database is away: a 503 page that says so, rather than a 500."""

import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

from articles.seo import PageMeta

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


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
        logger.error("Database unavailable for %s: %s", request.path, exception)
        meta = PageMeta("Temporarily unavailable", "The knowledge base is back in a moment.")
        response = render(request, "503.html", {"meta": meta}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
