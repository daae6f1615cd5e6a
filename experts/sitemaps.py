"""The sitemap's section for experts' profiles."""

from django.utils.functional import cached_property

from articles.models import Tally
from articles.sitemaps import PagesInEveryLanguage
from experts.models import Expert


class ExpertSitemap(PagesInEveryLanguage):
    changefreq = "weekly"
    route = "experts:detail"
    limit = 1_000  # as the articles' section: a page of 5,000 profiles took over 400 ms

    def items(self):
        return Expert.objects.only("slug", "updated_at").order_by("last_name", "pk")

    @cached_property
    def _newest_publications(self):
        return dict(Tally.objects.filter(kind=Tally.Kind.EXPERT, language="").values_list("ref", "latest"))

    def lastmod(self, expert):
        # A profile changes when the expert is edited or publishes (stored: articles.tallies).
        return max(filter(None, [expert.updated_at, self._newest_publications.get(expert.pk)]))

    def get_latest_lastmod(self):
        return None  # the index gives no date for the section rather than reading every profile
