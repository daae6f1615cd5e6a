"""The sitemap's section for experts' profiles."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import published_condition
from experts.models import Expert


class ExpertSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self):
        # A profile changes when the expert is edited or publishes: the later of the two.
        last_published = Max(
            "authorships__article__published_at", filter=published_condition("authorships__article__")
        )
        return (
            Expert.objects.only("slug", "updated_at")
            .annotate(last_published=last_published)
            .order_by("last_name", "pk")
        )

    def lastmod(self, expert):
        return max(filter(None, [expert.updated_at, expert.last_published]))

    def get_latest_lastmod(self):
        return None  # the index gives no date for the section rather than reading every profile
