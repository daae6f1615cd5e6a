"""Subscribers in the knowledge base's JSON Lines (docs/import-export.md): left out of `export_kb`
unless asked for (`--with-subscribers`: the addresses are personal data), read back by `import_kb`
(the "subscriber" writer, registered by AlertsConfig.ready()). A subscriber line carries its
follows; their link key too, so that the links of emails already sent keep working after a restore.
"""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from alerts.models import Subscriber, Subscription
from articles.importers.jsonl import dumps
from articles.models import Topic
from experts.models import Expert


def export_lines():
    subscribers = Subscriber.objects.order_by("email").prefetch_related(
        "subscriptions__expert", "subscriptions__topic"
    )
    for subscriber in subscribers.iterator(chunk_size=2_000):
        yield dumps(
            {
                "type": "subscriber",
                "email": subscriber.email,
                "language": subscriber.language,
                "key": subscriber.key.hex,
                "created_at": subscriber.created_at.isoformat(),
                "confirmed_at": _when(subscriber.confirmed_at),
                "follows": [
                    {
                        "kind": follow.kind,
                        "expert": follow.expert and follow.expert.slug,
                        "topic": follow.topic and follow.topic.slug,
                        "query": follow.query,
                        "frequency": follow.frequency,
                        "confirmed_at": _when(follow.confirmed_at),
                    }
                    for follow in sorted(subscriber.subscriptions.all(), key=lambda follow: follow.target)
                ],
            }
        )


def _when(moment):
    return moment.isoformat() if moment else None


class SubscriberWriter:
    """import_kb's writer of subscriber lines: creates or updates the subscriber (by address) and
    replaces its follows with the line's."""

    def check(self, item):
        try:
            validate_email(item.get("email"))
            uuid.UUID(item.get("key", ""))
        except (ValidationError, TypeError, AttributeError) as error:
            raise ValueError("email and key must be an address and a UUID") from error
        if item.get("language") not in dict(Subscriber._meta.get_field("language").choices):
            raise ValueError("language is not one of the site's")
        for moment in (item.get("confirmed_at"), *(f.get("confirmed_at") for f in item.get("follows", []))):
            if moment is not None:
                datetime.fromisoformat(moment)
        for follow in item.get("follows", []):
            if (
                follow.get("kind") not in Subscription.Kind.values
                or follow.get("frequency") not in Subscription.Frequency.values
            ):
                raise ValueError("a follow's kind or frequency is unknown")
            if follow["kind"] == "expert" and not Expert.objects.filter(slug=follow.get("expert")).exists():
                raise ValueError(f"follows an unknown expert {follow.get('expert')!r}")
            if follow["kind"] == "topic" and not Topic.objects.filter(slug=follow.get("topic")).exists():
                raise ValueError(f"follows an unknown topic {follow.get('topic')!r}")

    def write(self, items, *, known_terms):
        with transaction.atomic():
            for item in items:
                subscriber, _ = Subscriber.objects.update_or_create(
                    email=item["email"].lower(),
                    defaults={
                        "language": item["language"],
                        "key": uuid.UUID(item["key"]),
                        "confirmed_at": item.get("confirmed_at"),
                    },
                )
                subscriber.subscriptions.all().delete()
                for follow in item.get("follows", []):
                    Subscription.objects.create(
                        subscriber=subscriber,
                        kind=follow["kind"],
                        expert=Expert.objects.filter(slug=follow.get("expert")).first()
                        if follow["kind"] == "expert"
                        else None,
                        topic=Topic.objects.filter(slug=follow.get("topic")).first()
                        if follow["kind"] == "topic"
                        else None,
                        query=follow.get("query") or "",
                        frequency=follow["frequency"],
                        confirmed_at=follow.get("confirmed_at"),
                    )
        return len(items), []
