from django.db.models.signals import post_delete
from django.dispatch import receiver

from articles.models import Topic


@receiver(post_delete, sender=Topic)
def rebuild_topic_lineage_after_delete(sender, **kwargs):
    """Deleting a topic lifts its children to the top (parent SET_NULL): the tree has changed."""
    Topic.objects.rebuild_lineage()
