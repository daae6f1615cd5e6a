"""The sitemap's sections for published articles and for topics (config.urls puts them in the index
at /sitemap.xml, with experts.sitemaps' section for experts).

Each URL carries its versions in the other languages (<xhtml:link rel="alternate" hreflang>): an
article its translations, a profile or a topic page its address under each language's prefix.
The sitemap itself has no prefix and reads the same whatever the reader's language.
"""

import datetime
import math

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.addresses import addresses_of
from articles.models import Article, Tally, Topic

EDITS_READ = 100


class IdRangePaginator(Paginator):
    """Pages by ranges of ids: page n holds the rows whose id is in ((n - 1) × size, n × size].

    Each page is one range of the primary key and the number of pages one lookup of the highest
    id, at any size of the archive (an OFFSET would walk every row before the page: 950,000 of
    them for the last page at 1M). A page holds at most `size` rows, fewer where ids belong to
    drafts or deleted pieces.
    """

    @cached_property
    def num_pages(self):
        highest = self.object_list.model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return max(1, math.ceil((highest or 0) / self.per_page))

    @cached_property
    def count(self):
        return self.num_pages * self.per_page  # an upper bound: no count over the archive

    def page(self, number):
        number = self.validate_number(number)
        rows = self.object_list.filter(pk__gt=(number - 1) * self.per_page, pk__lte=number * self.per_page)
        return self._get_page(rows.order_by("pk"), number, self)


class Section(Sitemap):
    """A section whose URLs are written out here, each <url> element once, in Python; the template
    (sitemap_section.xml) only joins them. Django's own template, with its loops, conditions,
    date filter and escaping per URL, took most of a page's time: about 30 µs a URL."""

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page, site, protocol)
        for url in urls:
            url["xml"] = _url_element(url)
        return urls


def _url_element(url):
    parts = [f"<url><loc>{escape(url['location'])}</loc>"]
    if url["lastmod"]:
        parts.append(f"<lastmod>{_day(url['lastmod'])}</lastmod>")
    if url["changefreq"]:
        parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
    if url["priority"]:
        parts.append(f"<priority>{escape(url['priority'])}</priority>")
    for alternate in url["alternates"]:
        parts.append(
            f'<xhtml:link rel="alternate" hreflang="{escape(alternate["lang_code"])}"'
            f' href="{escape(alternate["location"])}"/>'
        )
    parts.append("</url>")
    return mark_safe("".join(parts))  # noqa: S308 - every value in it escaped above


def _day(moment):
    """The day as the template's |date:"Y-m-d" gives it: a time in the site's time zone."""
    if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d")


class PagesInEveryLanguage(Section):
    """A section of pages that exist under every language's prefix (profiles, topics): listed in
    the default language, with the others and an x-default (the unprefixed address, which sends
    each reader to their language) as alternates. `route` takes the item's slug alone."""

    route = None

    @cached_property
    def _address(self):
        return addresses_of(self.route)

    def location(self, item):
        return self._address(item.slug, settings.LANGUAGE_CODE)

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url in urls:
            for code, _ in settings.LANGUAGES:
                path = self._address(url["item"].slug, code)
                url["alternates"].append({"location": f"{protocol}://{domain}{path}", "lang_code": code})
            unprefixed = url["location"].replace(f"/{settings.LANGUAGE_CODE}/", "/", 1)
            url["alternates"].append({"location": unprefixed, "lang_code": "x-default"})
        return urls


class ArticleSitemap(Section):
    changefreq = "monthly"
    # Ids per sitemap page. Django renders about 65 µs a URL here: 10,000 took 650-950 ms a page.
    limit = 1_000

    def items(self):
        return Article.objects.published().only("slug", "language", "updated_at", "translation_of_id")

    @cached_property
    def _address(self):
        return addresses_of("articles:detail")

    def location(self, article):
        """Article.get_absolute_url(), without a reverse per URL."""
        return self._address(article.slug, article.language)

    def _urls(self, page, protocol, domain):
        """The page's URLs, each translated piece with its versions (one query for the page)."""
        urls = super()._urls(page, protocol, domain)
        pieces = {url["item"].original_id for url in urls}
        versions = {}
        # Every version of the page's pieces, those with none among them (set aside below): each
        # condition is then looked up, the ids and migration 0041's index of versions. Asking
        # only for the originals that have versions (a join), or in date order, had SQLite walk
        # every article by date instead: 3.8 s a page at a million.
        # Read as values: most pieces have no versions, and are only set aside.
        versions_of_pieces = Q(pk__in=pieces) | Q(translation_of_id__in=pieces)
        rows = Article.objects.published().filter(versions_of_pieces).order_by()
        for pk, slug, language, original in rows.values_list("pk", "slug", "language", "translation_of_id"):
            versions.setdefault(original or pk, []).append((slug, language, original is None))
        for url in urls:
            piece = versions.get(url["item"].original_id, [])
            if len(piece) < 2:
                continue
            for slug, language, is_original in piece:
                location = f"{protocol}://{domain}{self._address(slug, language)}"
                url["alternates"].append({"location": location, "lang_code": language})
                if is_original:
                    url["alternates"].append({"location": location, "lang_code": "x-default"})
        return urls

    @property
    def paginator(self):
        return IdRangePaginator(self.items(), self.limit)

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        """The newest edit of a published piece, looked for among the last EDITS_READ edits by their
        index (asked for "published" first, SQLite walks the dates and sorts them all: 4.9 s at
        100k). None, so no date, if drafts took all of those."""
        edited = Article.objects.order_by("-updated_at").values("pk")[:EDITS_READ]
        newest = Article.objects.published().filter(pk__in=edited).order_by("-updated_at")
        return newest.values_list("updated_at", flat=True).first()


class TopicSitemap(PagesInEveryLanguage):
    changefreq = "daily"
    route = "articles:topic"

    def items(self):
        return Topic.objects.only("slug").order_by("name", "pk")

    @cached_property
    def _newest(self):
        return dict(
            Tally.objects.filter(kind=Tally.Kind.UNDER_TOPIC, language="").values_list("ref", "latest")
        )

    def lastmod(self, topic):
        return self._newest.get(topic.pk)  # stored: articles.tallies

    def get_latest_lastmod(self):
        return None
