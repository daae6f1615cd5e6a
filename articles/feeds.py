"""RSS and Atom feeds: the latest articles and a topic's (each RSS, with an Atom twin); an
expert's are experts.feeds, built on these.

What leaves as HTML leaves escaped: an RSS <description> and an Atom <summary type="html"> are
read as HTML by feed readers, so the plain-text lead and channel description go into them as
escaped text (a "<img onerror=…>" typed into a lead shows as those characters, never runs).
Titles, names and categories are text elements. Characters XML cannot carry are dropped from
everything written, whatever is stored.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import pagecache
from articles.models import Article, Topic
from articles.richtext import without_unsafe_characters
from articles.seo import SITE_NAME

FEED_ITEMS = 30


class XmlSafeFeedMixin:
    """A feed generator that drops what XML cannot carry from every value it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*without_unsafe_characters(list(args)), **without_unsafe_characters(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*without_unsafe_characters(list(args)), **without_unsafe_characters(kwargs))


class SafeRssFeed(XmlSafeFeedMixin, Rss201rev2Feed):
    pass


class SafeAtomFeed(XmlSafeFeedMixin, Atom1Feed):
    pass


class LatestArticlesFeed(Feed):
    """The newest published articles of the whole knowledge base."""

    feed_type = SafeRssFeed

    def get_object(self, request):
        pagecache.depends_on(request, *pagecache.archive_page())

    def title(self, obj):
        return _("%(site)s: latest articles") % {"site": SITE_NAME}

    def summary(self, obj):
        """What the feed is, as plain text."""
        return _("The newest commentary by named experts on international affairs.")

    def description(self, obj):
        return escape(self.summary(obj))  # RSS's channel description is HTML

    def link(self, obj):
        return reverse("articles:list")

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj):
        # In the feed's language (its address's prefix). Cards carry authors, category and source;
        # topics become the items' categories.
        articles = self.articles(obj).filter(language=get_language())
        return articles.with_cards().prefetch_related("topics").defer("body", "body_html")[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return escape(item.lead)  # the lead is plain text; <description> and <summary> are HTML

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return ", ".join(expert.translated("name") for expert in item.ordered_authors()) or None

    def item_categories(self, item):
        return [topic.translated("name") for topic in item.topics.all()]


class TopicFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        topic = get_object_or_404(Topic, slug=slug)
        pagecache.depends_on(request, *pagecache.topic_page_tags(topic.pk))
        return topic

    def title(self, obj):
        return f"{SITE_NAME}: {obj.translated('name')}"

    def summary(self, obj):
        return _("The newest commentary on %(topic)s and its subtopics.") % {"topic": obj.translated("name")}

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().for_topic(obj)


class AtomFeedMixin:
    """The same feed in Atom, whose subtitle is what RSS calls the description (Atom's is text)."""

    feed_type = SafeAtomFeed

    def subtitle(self, obj):
        return self.summary(obj)


class LatestArticlesAtomFeed(AtomFeedMixin, LatestArticlesFeed):
    pass


class TopicAtomFeed(AtomFeedMixin, TopicFeed):
    pass
