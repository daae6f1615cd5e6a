"""What every page's template needs besides its view's context."""

from articles.search.query import MAX_QUERY_LENGTH
from articles.seo import SITE_NAME


def site(request):
    """The site's name (in the page's language) and the search inputs' maxlength: the same limit
    the search form and the API apply."""
    return {"site_name": SITE_NAME, "search_max_length": MAX_QUERY_LENGTH}
