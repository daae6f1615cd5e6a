"""The review of a Contributor's draft: submitted, sent back with a note, or approved and published
(now or at a set time). Each step is recorded (ReviewStep) and kept as a version (reversion)."""

import reversion
from django.db import transaction
from django.utils import timezone

from articles.models import ReviewStep


def submit_for_review(article, user):
    _review_step(article, user, ReviewStep.Action.SUBMITTED, "")


def send_back(article, user, note):
    _review_step(article, user, ReviewStep.Action.RETURNED, note)


def approve(article, user, note="", *, when=None):
    """Publish the article now, or at `when` (it is scheduled until then)."""
    article.publish(when=when or timezone.now())
    _review_step(article, user, ReviewStep.Action.APPROVED, note)


def _review_step(article, user, action, note):
    with transaction.atomic(), reversion.create_revision():
        article.review_status = action
        article.save()
        ReviewStep.objects.create(article=article, user=user, action=action, note=note)
        reversion.set_user(user)
        reversion.set_comment(f"{ReviewStep.Action(action).label}{': ' + note if note else ''}")
