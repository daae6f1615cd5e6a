"""Writes that span the alerts' models: a follow asked for and confirmed, a subscriber's data
handed over."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Delivery, Subscriber, Subscription, target_of
from alerts.tasks import send_outbox


def ask_to_follow(email, language, frequency, *, kind, expert=None, topic=None, query=""):
    """Record a follow waiting for confirmation and queue its confirmation email, unless the address
    follows it already or was sent enough confirmations today. Says nothing of which: the page
    answers the same for any address, and a stranger cannot change a confirmed follow."""
    today = timezone.localdate().isoformat()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email.lower(), defaults={"language": language})
        target = target_of(kind, expert=expert and expert.pk, topic=topic and topic.pk, query=query)
        subscription, _ = Subscription.objects.get_or_create(
            subscriber=subscriber,
            target=target,
            defaults={"kind": kind, "expert": expert, "topic": topic, "query": query, "frequency": frequency},
        )
        if subscription.confirmed_at:
            return
        if subscription.frequency != frequency:
            subscription.frequency = frequency
            subscription.save(update_fields=["frequency"])
        asked = subscriber.deliveries.filter(kind=Delivery.Kind.CONFIRM, key__endswith=f":{today}")
        if asked.count() >= settings.ALERTS_CONFIRMATIONS_PER_DAY:
            return
        _, queued = Delivery.objects.get_or_create(
            subscriber=subscriber,
            key=f"confirm:{subscription.pk}:{today}",
            defaults={"kind": Delivery.Kind.CONFIRM, "content": {"subscription": subscription.pk}},
        )
        if queued:
            send_outbox.enqueue()  # its queue row commits with the delivery, or neither does


def confirm(subscription):
    now = timezone.now()
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(confirmed_at=now)
        Subscriber.objects.filter(pk=subscription.subscriber_id, confirmed_at__isnull=True).update(
            confirmed_at=now
        )


def personal_data(subscriber):
    """Everything kept about a subscriber, as a JSON-ready dict (their export)."""
    return {
        "email": subscriber.email,
        "language": subscriber.language,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at and subscriber.confirmed_at.isoformat(),
        "follows": [
            {
                "what": subscription.target,
                "frequency": subscription.frequency,
                "created_at": subscription.created_at.isoformat(),
                "confirmed_at": subscription.confirmed_at and subscription.confirmed_at.isoformat(),
            }
            for subscription in subscriber.subscriptions.order_by("pk")
        ],
        "emails": [
            {"kind": delivery.kind, "status": delivery.status, "created_at": delivery.created_at.isoformat(),
             "sent_at": delivery.sent_at and delivery.sent_at.isoformat()}
            for delivery in subscriber.deliveries.order_by("pk")
        ],
    }  # fmt: skip
