"""An expert's RSS and Atom feeds: their newest published articles (built on articles.feeds)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

import pagecache
from articles.feeds import AtomFeedMixin, LatestArticlesFeed
from articles.models import Article
from articles.seo import SITE_NAME
from experts.models import Expert


class ExpertFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        expert = get_object_or_404(Expert, slug=slug)
        pagecache.depends_on(request, *pagecache.expert_page_tags(expert.pk))
        return expert

    def title(self, obj):
        return _("%(site)s: articles by %(name)s") % {"site": SITE_NAME, "name": obj.translated("name")}

    def summary(self, obj):
        if obj.organisation:
            return _("The newest commentary by %(name)s, %(organisation)s.") % {
                "name": obj.translated("name"),
                "organisation": obj.organisation,
            }
        return _("The newest commentary by %(name)s.") % {"name": obj.translated("name")}

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().for_expert(obj)


class ExpertAtomFeed(AtomFeedMixin, ExpertFeed):
    pass
