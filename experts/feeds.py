"""An expert's RSS and Atom feeds: their newest published articles (built on articles.feeds)."""

from django.shortcuts import get_object_or_404

from articles import pagecache
from articles.feeds import SITE_NAME, AtomFeedMixin, LatestArticlesFeed
from articles.models import Article
from experts.models import Expert


class ExpertFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        expert = get_object_or_404(Expert, slug=slug)
        pagecache.depends_on(request, *pagecache.expert_page_tags(expert.pk))
        return expert

    def title(self, obj):
        return f"{SITE_NAME}: articles by {obj.name}"

    def summary(self, obj):
        return f"The newest commentary by {obj.name}{', ' + obj.organisation if obj.organisation else ''}."

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().for_expert(obj)


class ExpertAtomFeed(AtomFeedMixin, ExpertFeed):
    pass
