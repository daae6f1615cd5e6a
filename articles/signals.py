"""Keep derived data current: the topic tree's lineage and the full-text index.

The search index holds each article's title, lead, body, authors' names and topics' names, so a
change to any of these (through the ORM) re-indexes the articles it touches. Bulk writes that skip
signals (bulk_create, update) call articles.search.index_articles themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from articles import search
from articles.models import Article, ArticleAuthor, Topic
from experts.models import Expert


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


@receiver(pre_save, sender=Expert)
@receiver(pre_save, sender=Topic)
def remember_old_name(sender, instance, **kwargs):
    instance._name_before_save = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Expert)
def index_after_expert_rename(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and instance._name_before_save != instance.name:
        search.index_articles(instance.authorships.values_list("article_id", flat=True))


@receiver(post_save, sender=Topic)
def index_after_topic_rename(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and instance._name_before_save != instance.name:
        search.index_articles(instance.articles.values_list("pk", flat=True))


@receiver(pre_delete, sender=Topic)
def remember_articles_of_deleted_topic(sender, instance, **kwargs):
    instance._article_ids = list(instance.articles.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
def index_after_topic_delete(sender, instance, **kwargs):
    search.index_articles(getattr(instance, "_article_ids", []))
