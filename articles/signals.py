"""ORM writes report what they changed to articles.derived.content_changed(), and do nothing else.

Writes that send no signals (bulk_create, update: the importers, the admin's bulk actions, the
corpus generator) call content_changed() themselves. The pre_* receivers only remember what a row
was before the write, for the receivers after it: which pages showed it, which fields changed.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

import pagecache
from articles import references
from articles.derived import content_changed, fields_changed, pages_showing, remember_fields
from articles.models import Article, ArticleAuthor, ArticleMention, Category, RelatedLink, Source, Topic
from articles.pictures import renditions_made

# Articles. Raw saves too (fixtures, and restoring a version, which writes the old rows raw): the
# pages of what was there before must go; the index follows at the restore's own save.


@receiver(pre_save, sender=Article)
@receiver(pre_delete, sender=Article)
def remember_pages_of_article(sender, instance, **kwargs):
    instance._pages_before = pages_showing([instance.pk]) if instance.pk else set()


@receiver(pre_delete, sender=Article)
def remember_bodies_citing_article(sender, instance, **kwargs):
    """Their "Also read" blocks link to it: written again once it is gone."""
    instance._cited_by = references.citing([instance.pk])


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def article_changed(sender, instance, raw=False, **kwargs):
    content_changed(
        articles=[instance.pk, *getattr(instance, "_cited_by", ())],
        pages_before=getattr(instance, "_pages_before", ()),
        index=not raw,
    )


@receiver(renditions_made, sender=Article)
def lead_image_sized(sender, pk, **kwargs):
    """Its lead image's copies for phones are made: the pages showing it (its card's thumbnail too)."""
    content_changed(pages=pages_showing([pk]), index=False)


@receiver([pre_save, pre_delete], sender=ArticleAuthor)
def remember_pages_of_byline(sender, instance, **kwargs):
    instance._pages_before = pages_showing([instance.article_id])


@receiver([post_save, post_delete], sender=ArticleAuthor)
def byline_changed(sender, instance, raw=False, origin=None, **kwargs):
    content_changed(
        articles=[instance.article_id],
        pages_before=getattr(instance, "_pages_before", ()),
        index=not raw,
        # Going with its article: no links are written for an article on its way out.
        relink=not _deleting_articles(origin),
    )


@receiver(m2m_changed, sender=Article.topics.through)
def article_topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """An article's topics (or a topic's articles, from the other side) changed."""
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        articles = [instance.pk] if not reverse else _articles_of(instance, action, pk_set)
        instance._topic_change = (articles, pages_showing(articles))
    elif action in {"post_add", "post_remove", "post_clear"}:
        articles, pages_before = getattr(instance, "_topic_change", ([], set()))
        content_changed(articles=articles if reverse else [instance.pk], pages_before=pages_before)


@receiver([post_save, post_delete], sender=RelatedLink)
def related_links_changed(sender, instance, **kwargs):
    content_changed(
        pages=pagecache.related_links_edited(instance.article_id),
        links=[instance.pk] if kwargs.get("created") is not None else (),
        index=False,
    )


@receiver(post_save, sender=ArticleMention)
def mention_changed(sender, instance, raw=False, **kwargs):
    """An editor ticked or unticked a mention's link: the body is written again. (A mention is
    deleted only with its article, or by articles.linking itself, which writes the body.)"""
    content_changed(articles=[instance.article_id], index=not raw)


# Topics (experts.signals reports experts' changes).


@receiver(pre_save, sender=Topic)
def remember_old_topic(sender, instance, **kwargs):
    remember_fields(instance)


@receiver(post_save, sender=Topic)
def topic_saved(sender, instance, created, raw=False, **kwargs):
    changed = fields_changed(instance)
    moved = not created and "parent_id" in changed
    content_changed(
        topics=[instance.pk] if not created and not raw and changed & {"name", "translations"} else (),
        pages=pagecache.topic_edited(instance.pk, changed),
        tree=bool(changed & {"created", "parent_id"}),
        moved=[instance.pk] if moved else (),
    )


@receiver(pre_delete, sender=Topic)
def remember_articles_of_deleted_topic(sender, instance, **kwargs):
    instance._article_ids = list(instance.articles.values_list("pk", flat=True))
    instance._children = list(instance.children.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
def topic_deleted(sender, instance, **kwargs):
    """Its articles lose it from their index and their counts; its children move to the top
    (parent SET_NULL), so the articles under them are counted again (not indexed again: the index
    holds only an article's own topics)."""
    content_changed(
        articles=getattr(instance, "_article_ids", []),
        moved=getattr(instance, "_children", []),
        tree=True,
        whole_site=True,
    )


@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Source)
def shown_everywhere_changed(sender, **kwargs):
    """Shown on cards across the site, and rarely changed: every page goes."""
    content_changed(whole_site=True)


def _deleting_articles(origin):
    """Whether a delete started from articles (an article, or a queryset of them)."""
    return isinstance(origin, Article) or getattr(origin, "model", None) is Article


def _articles_of(topic, action, pk_set):
    if action == "pre_clear":
        return list(topic.articles.values_list("pk", flat=True))
    return list(pk_set or [])
