"""RSS and Atom feeds: the latest articles, an expert's and a topic's (each RSS, with an Atom twin)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles import pagecache
from articles.models import Article, Topic
from experts.models import Expert

FEED_ITEMS = 30
SITE_NAME = "Expert Opinions"


class LatestArticlesFeed(Feed):
    """The newest published articles of the whole knowledge base."""

    def get_object(self, request):
        pagecache.depends_on(request, pagecache.ARTICLES)

    def title(self, obj):
        return f"{SITE_NAME}: latest articles"

    def description(self, obj):
        return "The newest commentary by named experts on international affairs."

    def link(self, obj):
        return reverse("articles:list")

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj):
        # Cards carry authors, category and source; topics become the items' categories.
        return self.articles(obj).with_cards().prefetch_related("topics").defer("body")[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.lead

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return ", ".join(expert.name for expert in item.ordered_authors()) or None

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]


class ExpertFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        expert = get_object_or_404(Expert, slug=slug)
        pagecache.depends_on(request, *pagecache.expert_page_tags(expert.pk))
        return expert

    def title(self, obj):
        return f"{SITE_NAME}: articles by {obj.name}"

    def description(self, obj):
        return f"The newest commentary by {obj.name}{', ' + obj.organisation if obj.organisation else ''}."

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().for_expert(obj)


class TopicFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        topic = get_object_or_404(Topic, slug=slug)
        pagecache.depends_on(request, *pagecache.topic_page_tags(topic.pk))
        return topic

    def title(self, obj):
        return f"{SITE_NAME}: {obj.name}"

    def description(self, obj):
        return f"The newest commentary on {obj.name} and its subtopics."

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().for_topic(obj)


class AtomFeedMixin:
    """The same feed in Atom, whose subtitle is what RSS calls the description."""

    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class LatestArticlesAtomFeed(AtomFeedMixin, LatestArticlesFeed):
    pass


class ExpertAtomFeed(AtomFeedMixin, ExpertFeed):
    pass


class TopicAtomFeed(AtomFeedMixin, TopicFeed):
    pass
