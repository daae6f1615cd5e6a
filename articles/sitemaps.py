"""The sitemap's sections for published articles and for topics (config.urls puts them in the index
at /sitemap.xml, with experts.sitemaps' section for experts)."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import Article, Topic, published_condition


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000  # URLs per sitemap page: a page is one cheap slice of the date index

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


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
