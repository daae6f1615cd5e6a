"""Filters for the server's log (settings.LOGGING)."""

import logging


class RefusalOnOneLine(logging.Filter):
    """An expected refusal (403: a permission or CSRF check said no) is one line, "Forbidden
    (Permission denied): /admin/…", not the 40-line traceback of the PermissionDenied that Django
    attaches: a log read for real errors is not buried under refusals."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True
