"""Experts' writes report what they changed to articles.derived.content_changed(), nothing else."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

import pagecache
from articles.derived import content_changed, fields_changed, remember_fields
from articles.pictures import renditions_made
from experts.models import Expert, ExpertLink, ExpertName


@receiver(pre_save, sender=Expert)
def remember_old_expert(sender, instance, **kwargs):
    remember_fields(instance)


@receiver(post_save, sender=Expert)
def expert_saved(sender, instance, created, raw=False, **kwargs):
    changed = fields_changed(instance)
    ExpertName.write_for([instance])  # the names bodies are searched for, before they are
    names = {"created", "name", "translations", "other_names"}
    content_changed(
        # Their names (in every language) are in the index of their articles.
        experts=[instance.pk] if not created and not raw and changed & {"name", "translations"} else (),
        # Bodies naming them link to the profile (a new expert, a new name or spelling).
        named=[instance.pk] if not raw and changed & names else (),
        pages=pagecache.expert_edited(instance.pk, changed),
    )


@receiver(renditions_made, sender=Expert)
def portrait_sized(sender, pk, **kwargs):
    """The portrait's copies are made: it shows on the expert's pages and beside their bylines."""
    content_changed(pages=pagecache.expert_edited(pk, {"photo"}))


@receiver(m2m_changed, sender=Expert.topics.through)
@receiver([post_save, post_delete], sender=ExpertLink)
def expert_details_changed(sender, instance, **kwargs):
    """Research interests and links: on the expert's page and the list of experts only."""
    if isinstance(instance, ExpertLink):
        experts = [instance.expert_id]
    elif isinstance(instance, Expert):
        experts = [instance.pk]
    else:  # experts added to or removed from a topic's experts
        experts = kwargs.get("pk_set") or []
    content_changed(pages=pagecache.expert_details_edited(experts), index=False)


@receiver(post_delete, sender=Expert)
def expert_deleted(sender, **kwargs):
    """Named on cards across the site: every page goes (its bylines went with it, each reported)."""
    content_changed(whole_site=True)
