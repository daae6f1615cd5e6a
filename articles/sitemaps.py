"""The sitemap (/sitemap.xml, an index of sections): every published article, every expert and topic."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import Article, Topic, published_condition
from experts.models import Expert


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000  # URLs per sitemap page: a page is one cheap slice of the date index

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


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


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return (
            Topic.objects.only("slug")
            .annotate(last_published=Max("articles__published_at", filter=published_condition("articles__")))
            .order_by("name", "pk")
        )

    def lastmod(self, topic):
        return topic.last_published

    def get_latest_lastmod(self):
        return None


SITEMAPS = {"articles": ArticleSitemap, "experts": ExpertSitemap, "topics": TopicSitemap}
