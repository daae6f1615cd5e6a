"""Addresses of the pages a slug names (an article, a profile, a topic, a category, a source): each
route reversed once per language, its item's slug then put into it.

A page links dozens of such pages (a search page about 90: its cards' articles, authors,
categories and sources), and Django's reverse() costs 20-30 µs each; a sitemap page thousands. The
address is reverse()'s own, only not worked out again for each slug: a slug the route's converter
would refuse is handed to reverse() itself, which refuses it as before.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation

# The <slug:…> converter's pattern (django.urls.converters.SlugConverter): nothing in it is quoted.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class SlugAddresses:
    """A route's address in each of the site's languages, reversed once (under the URL configuration
    and script prefix in force): an item's is its slug put into it."""

    PLACE = "0slug0"  # a slug no item has: where the item's goes

    def __init__(self, route):
        self.route = route
        self.parts = {}  # {language code: (address before the slug, after it)}
        for code, _ in settings.LANGUAGES:
            with translation.override(code):
                self.parts[code] = tuple(reverse(route, kwargs={"slug": self.PLACE}).split(self.PLACE))

    def __call__(self, slug, code):
        parts = self.parts.get(code)
        if parts is None or not SLUG.fullmatch(slug):
            with translation.override(code):
                return reverse(self.route, kwargs={"slug": slug})
        before, after = parts
        return f"{before}{slug}{after}"


def addresses_of(route):
    """The route's SlugAddresses under the URL configuration and script prefix in force."""
    return _addresses(route, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=32)
def _addresses(route, urlconf, script_prefix):
    return SlugAddresses(route)


def slug_address(route, slug, language=None):
    """reverse(route, kwargs={"slug": slug}) in `language` (by default the active one)."""
    return addresses_of(route)(slug, language or translation.get_language() or settings.LANGUAGE_CODE)
