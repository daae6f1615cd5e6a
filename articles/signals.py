"""Keep derived data current: the topic tree's lineage, the full-text index and the page cache.

The search index holds each article's title, lead, body, authors' names and topics' names, so a
change to any of these (through the ORM) re-indexes the articles it touches. Bulk writes that skip
signals (bulk_create, update) call articles.search.index_articles themselves.

The page cache (articles/pagecache.py) forgets every page showing what a write touched, as the
database has it before the write and after it. Bulk writes call articles.pagecache themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from articles import pagecache, search
from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink

# Fields of an expert or a topic shown only on its own pages, with the tags of those pages; a
# change to any other field (a name, a photo, an organisation) shows on cards across the site.
OWN_PAGE_FIELDS = {
    Expert: ({"bio", "country"}, pagecache.expert_tag, pagecache.EXPERTS),
    Topic: ({"description"}, pagecache.topic_tag, pagecache.TOPICS),
}


@receiver(pre_save, sender=Expert)
@receiver(pre_save, sender=Topic)
def remember_old_fields(sender, instance, **kwargs):
    """What the row held before this save: the search index and the page cache compare."""
    instance._fields_before_save = (
        sender.objects.filter(pk=instance.pk).values().first() if instance.pk else None
    )


@receiver(post_delete, sender=Topic)
def rebuild_topic_lineage_after_delete(sender, **kwargs):
    """Deleting a topic lifts its children to the top (parent SET_NULL): the tree has changed."""
    Topic.objects.rebuild_lineage()


@receiver(post_save, sender=Article)
def index_saved_article(sender, instance, raw=False, **kwargs):
    if not raw:
        search.index_articles([instance.pk])


@receiver(post_delete, sender=Article)
def forget_deleted_article(sender, instance, **kwargs):
    search.forget_articles([instance.pk])


@receiver(m2m_changed, sender=Article.topics.through)
def index_after_topics_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if not reverse:
        search.index_articles([instance.pk])
    elif action == "pre_clear":
        instance._articles_before_clear = list(instance.articles.values_list("pk", flat=True))
    elif action == "post_clear":
        search.index_articles(getattr(instance, "_articles_before_clear", []))
    else:
        search.index_articles(pk_set or [])


@receiver([post_save, post_delete], sender=ArticleAuthor)
def index_after_byline_change(sender, instance, raw=False, **kwargs):
    if not raw and Article.objects.filter(pk=instance.article_id).exists():
        search.index_articles([instance.article_id])


@receiver(post_save, sender=Expert)
def index_after_expert_rename(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and "name" in _changed_fields(instance):
        search.index_articles(instance.authorships.values_list("article_id", flat=True))


@receiver(post_save, sender=Topic)
def index_after_topic_rename(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and "name" in _changed_fields(instance):
        search.index_articles(instance.articles.values_list("pk", flat=True))


@receiver(pre_delete, sender=Topic)
def remember_articles_of_deleted_topic(sender, instance, **kwargs):
    instance._article_ids = list(instance.articles.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
def index_after_topic_delete(sender, instance, **kwargs):
    search.index_articles(getattr(instance, "_article_ids", []))


# The page cache. Raw saves too (fixtures, and restoring a version, which writes the old rows
# raw): the pages of what was there before must go.


@receiver(pre_save, sender=Article)
@receiver(pre_delete, sender=Article)
def forget_pages_of_article_before(sender, instance, **kwargs):
    if instance.pk:
        pagecache.invalidate(*pagecache.article_tags([instance.pk]))


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def forget_pages_of_article_after(sender, instance, **kwargs):
    pagecache.invalidate(*pagecache.article_tags([instance.pk]))
    pagecache.schedule_changed()


@receiver([pre_save, post_save, pre_delete, post_delete], sender=ArticleAuthor)
def forget_pages_of_byline(sender, instance, **kwargs):
    pagecache.invalidate(*pagecache.article_tags([instance.article_id]))


@receiver(m2m_changed, sender=Article.topics.through)
def forget_pages_of_topic_links(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"pre_remove", "pre_clear", "post_add", "post_remove"}:
        return
    if not reverse:
        articles = [instance.pk]
    elif action == "pre_clear":
        articles = instance.articles.values_list("pk", flat=True)
    else:
        articles = pk_set or []
    pagecache.invalidate(*pagecache.article_tags(articles))


@receiver([post_save, post_delete], sender=RelatedLink)
def forget_page_of_related_links(sender, instance, **kwargs):
    pagecache.invalidate(pagecache.article_tag(instance.article_id))


@receiver(post_save, sender=Expert)
@receiver(post_save, sender=Topic)
def forget_pages_of_expert_or_topic(sender, instance, **kwargs):
    own_fields, own_tag, list_tag = OWN_PAGE_FIELDS[sender]
    if _changed_fields(instance) <= own_fields:
        pagecache.invalidate(own_tag(instance.pk), list_tag)
    else:
        pagecache.invalidate_everything()


@receiver(m2m_changed, sender=Expert.topics.through)
@receiver([post_save, post_delete], sender=ExpertLink)
def forget_pages_of_expert_details(sender, instance, **kwargs):
    experts = [instance.expert_id] if isinstance(instance, ExpertLink) else _expert_ids(instance, kwargs)
    pagecache.invalidate(pagecache.EXPERTS, *(pagecache.expert_tag(pk) for pk in experts))


@receiver([post_delete], sender=Expert)
@receiver([post_delete], sender=Topic)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Source)
def forget_every_page(sender, **kwargs):
    """Shown on cards across the site, and rarely changed: every page goes."""
    pagecache.invalidate_everything()


def _changed_fields(instance):
    before = instance._fields_before_save
    if before is None:
        return {"created"}
    changed = {name for name, value in before.items() if getattr(instance, name) != value}  # attnames
    return changed - {"updated_at"}


def _expert_ids(instance, kwargs):
    if isinstance(instance, Expert):
        return [instance.pk]
    return kwargs.get("pk_set") or []  # an expert added to or removed from a topic's experts
