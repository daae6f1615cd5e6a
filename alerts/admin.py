"""The alerts in the admin, for Editors to read (they change nothing here): who follows what and
how many follow each thing, the outbox (sent, refused, waiting) and what the next weekly digest
holds so far. Addresses are personal data: Contributors see none of it (docs/alerts.md)."""

from datetime import datetime, time, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from alerts import matching
from alerts.models import Delivery, Subscriber, Subscription
from articles.models import Article, Topic
from experts.models import Expert


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubscriptionInline(ReadOnly, admin.TabularInline):
    model = Subscription
    fields = ["target", "frequency", "created_at", "confirmed_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["email", "language", "follows", "created_at", "confirmed_at"]
    list_filter = ["language", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = ["email", "language", "created_at", "confirmed_at"]
    exclude = ["key"]
    inlines = [SubscriptionInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(follow_count=Count("subscriptions"))

    @admin.display(ordering="follow_count")
    def follows(self, subscriber):
        return subscriber.follow_count


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["subscriber", "kind", "target", "frequency", "created_at", "confirmed_at"]
    list_filter = ["kind", "frequency", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["subscriber__email", "query", "expert__name", "topic__name"]
    list_select_related = ["subscriber"]
    show_full_result_count = False
    change_list_template = "admin/alerts/subscription/change_list.html"

    def get_urls(self):
        return [
            path(
                "next-digest/",
                self.admin_site.admin_view(self.next_digest_view),
                name="alerts_subscription_next_digest",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "most_followed": most_followed()})

    def next_digest_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate(timezone=timezone.get_default_timezone())  # the worker's week
        since = timezone.make_aware(datetime.combine(today - timedelta(days=today.weekday()), time()))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "The next weekly digest, so far",
            "since": since,
            "groups": next_digest(since, timezone.now()),
        }
        return TemplateResponse(request, "admin/alerts/subscription/next_digest.html", context)


def labelled(rows):
    """[(target, count)] as [(a reader's label, count)], experts and topics named (two queries)."""
    refs = {kind: [] for kind in ("expert", "topic")}
    for target, _ in rows:
        kind, _, ref = target.partition(":")
        if kind in refs:
            refs[kind].append(int(ref))
    experts, topics = Expert.objects.in_bulk(refs["expert"]), Topic.objects.in_bulk(refs["topic"])

    def label(target):
        kind, _, ref = target.partition(":")
        named = {"expert": experts, "topic": topics}.get(kind, {}).get(int(ref) if ref.isdigit() else 0)
        if named:
            return f"{kind}: {named.name}"
        return {"site": "everything new", "search": f"search: {ref}"}.get(kind, f"{kind} (gone)")

    return [(label(target), count) for target, count in rows]


def most_followed(limit=20):
    """The things most followed (confirmed follows), with how many follow each."""
    rows = (
        Subscription.objects.filter(confirmed_at__isnull=False)
        .values_list("target")
        .annotate(n=Count("pk"))
        .order_by("-n", "target")[:limit]
    )
    return labelled(list(rows))


def next_digest(since, until, limit=50):
    """The most followed weekly targets, each with how many follow it and the pieces so far."""
    weekly = Subscription.objects.filter(frequency=Subscription.Frequency.WEEKLY, confirmed_at__isnull=False)
    rows = list(weekly.values_list("target").annotate(n=Count("pk")).order_by("-n", "target")[:limit])
    pieces = Article.objects.published().filter(published_at__gte=since, published_at__lt=until)
    searches = [target.partition(":")[2] for target, _ in rows if target.startswith("search:")]
    answered = matching.answered(pieces.values_list("pk", flat=True)[:5_000], searches)
    shown = Article.objects.in_bulk(set().union(*(answered.get(target, set()) for target, _ in rows)))
    return [
        (
            label,
            count,
            sorted(
                (shown[pk] for pk in answered.get(target, ())), key=lambda a: a.published_at, reverse=True
            ),
        )
        for (label, count), (target, _) in zip(labelled(rows), rows, strict=True)
    ]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["subscriber", "kind", "status", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber"]
    readonly_fields = ["subscriber", "kind", "key", "content", "status", "created_at", "sent_at", "error"]
    exclude = ["claimed_at"]
    show_full_result_count = False
