"""Readers who follow an expert, a topic, a search or the whole site by email (docs/alerts.md).

A Subscriber is an email address with its language; each thing it follows is a Subscription,
instant or weekly, which sends nothing until the address confirmed it (double opt-in). What is to
be sent is a Delivery, the outbox: one row per email, unique per subscriber and what it is about
("piece:12", "digest:2026-W49", "confirm:7:2026-12-04"), so that nothing is queued or sent twice;
the task worker drains it (alerts.tasks). AlertedPiece remembers the pieces already matched.

No tracking: a Delivery records when it was sent, never whether it was opened.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Topic
from experts.models import Expert


class Subscriber(models.Model):
    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    # Signed into the links of every email (manage, unsubscribe): a link is only as good as the
    # site's SECRET_KEY, so a copy of the database alone cannot make one.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When it first confirmed a follow.")

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def token(self):
        return signing.Signer(salt="alerts.subscriber").sign(self.key.hex)

    @classmethod
    def from_token(cls, token):
        """The subscriber a link's token names, or None (forged, or the subscriber is gone)."""
        try:
            key = signing.Signer(salt="alerts.subscriber").unsign(token)
            return cls.objects.get(key=uuid.UUID(key))
        except (signing.BadSignature, ValueError, cls.DoesNotExist):
            return None

    def manage_url(self):
        return reverse("alerts:manage", kwargs={"token": self.token})

    def unsubscribe_url(self):
        return reverse("alerts:unsubscribe", kwargs={"token": self.token})


class Subscription(models.Model):
    class Kind(models.TextChoices):
        SITE = "site", _("Everything new")
        EXPERT = "expert", _("An expert")
        TOPIC = "topic", _("A topic or region")
        SEARCH = "search", _("A search")

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("At once, one email a new piece")
        WEEKLY = "weekly", _("Weekly digest")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(max_length=8, choices=Kind)
    expert = models.ForeignKey(Expert, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=200, blank=True)
    # What is followed, in one column for the constraint: "site", "expert:3", "topic:12", "search:nuclear".
    target = models.CharField(max_length=220, editable=False)
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.INSTANT)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "target"], name="follow_once")]
        indexes = [models.Index(fields=["target", "frequency"], name="subscription_target_idx")]

    def __str__(self):
        return f"{self.subscriber} follows {self.target}"

    def save(self, *args, **kwargs):
        self.target = target_of(self.kind, expert=self.expert_id, topic=self.topic_id, query=self.query)
        super().save(*args, **kwargs)

    def label(self):
        """What is followed, as a reader says it (in the active language)."""
        if self.kind == self.Kind.EXPERT:
            return self.expert.local.name
        if self.kind == self.Kind.TOPIC:
            return self.topic.local.name
        if self.kind == self.Kind.SEARCH:
            return _("search: %(query)s") % {"query": self.query}
        return _("everything new")

    def confirm_token(self):
        return signing.Signer(salt="alerts.confirm").sign(f"{self.pk}:{self.subscriber.key.hex}")

    def confirm_url(self):
        return reverse("alerts:confirm", kwargs={"token": self.confirm_token()})

    @classmethod
    def from_confirm_token(cls, token):
        try:
            pk, key = signing.Signer(salt="alerts.confirm").unsign(token).split(":")
            return cls.objects.select_related("subscriber").get(pk=int(pk), subscriber__key=uuid.UUID(key))
        except (signing.BadSignature, ValueError, cls.DoesNotExist):
            return None


def target_of(kind, *, expert=None, topic=None, query=""):
    if kind == Subscription.Kind.EXPERT:
        return f"expert:{expert}"
    if kind == Subscription.Kind.TOPIC:
        return f"topic:{topic}"
    if kind == Subscription.Kind.SEARCH:
        return f"search:{query}"
    return "site"


class Delivery(models.Model):
    """One email in the outbox. `articles` holds what it is about, read again when it is sent: a
    piece unpublished meanwhile is left out (and an email left with nothing is not sent)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Confirmation"
        INSTANT = "instant", "New piece"
        DIGEST = "digest", "Weekly digest"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent: nothing public left in it"
        REFUSED = "refused", "Refused by the mail server"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=8, choices=Kind)
    key = models.CharField(max_length=100)
    # instant: {"piece": original id, "because": [subscription ids]}; digest: {"groups": [[subscription
    # id, [article ids]], ...]}; confirm: {"subscription": id}
    content = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="Taken by a sending task at.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["subscriber", "key"], name="deliver_once")]
        indexes = [models.Index(fields=["status", "id"], name="delivery_outbox_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subscriber} ({self.get_status_display().lower()})"


class AlertedPiece(models.Model):
    """A piece whose followers have been found (the instant alerts are queued): matched once."""

    article_id = models.BigIntegerField(primary_key=True)
    matched_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"followers of {self.article_id} found"
