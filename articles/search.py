"""One entry point for searching articles: search(queryset, query).

For now every word of the query must appear in the title, the lead or the body (case-insensitive).
Ranked full-text search per database replaces the inside of this module, not its callers.
"""

from django.db.models import Q

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8


def search(queryset, query):
    """Narrow `queryset` to the articles matching every word of `query`."""
    words = (query or "")[:MAX_QUERY_LENGTH].split()[:MAX_WORDS]
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(lead__icontains=word) | Q(body__icontains=word)
        )
    return queryset
