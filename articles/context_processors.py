"""What every page's template needs besides its view's context."""

from articles.search.query import MAX_QUERY_LENGTH


def search_form(request):
    """The search inputs' maxlength: the same limit the search form and the API apply."""
    return {"search_max_length": MAX_QUERY_LENGTH}
