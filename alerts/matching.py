"""Which followers new pieces reach, and what a week holds for each weekly follow.

Nothing here reads the archive whole: new pieces are those of the last WINDOW (by the index on
the publication date), a week's those of seven days, and followers are found by what they follow
(the index on Subscription.target), a search follow by running its query over those pieces alone.
"""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from alerts.models import AlertedPiece, Delivery, Subscription
from articles import search
from articles.models import Article, ArticleAuthor, TopicLineage

# A piece published longer ago than this is never alerted: an archive's import is not news, and a
# piece whose commit came late is still found by the next look.
WINDOW = timedelta(days=2)
BATCH = 2_000


def new_pieces(now=None):
    """(id, original id) of the public pieces of the last WINDOW whose followers were not found yet."""
    now = now or timezone.now()
    return list(
        Article.objects.published()
        .filter(published_at__gte=now - WINDOW)
        .exclude(pk__in=AlertedPiece.objects.values("article_id"))
        .order_by("published_at", "pk")
        .values_list("pk", "translation_of_id")
    )


def answered(article_ids, searches=()):
    """{target: set of article ids} of every follow target these published articles answer: the
    site, their experts, their topics and those above them, and each of `searches` (queries)."""
    ids = list(article_ids)
    found = defaultdict(set)
    if not ids:
        return found
    found["site"] = set(ids)
    for article, expert in ArticleAuthor.objects.filter(article_id__in=ids).values_list(
        "article_id", "expert_id"
    ):
        found[f"expert:{expert}"].add(article)
    tagged = TopicLineage.objects.filter(descendant__articles__in=ids).values_list(
        "descendant__articles", "ancestor_id"
    )
    for article, topic in tagged:  # a topic's followers hear of its subtopics' pieces too
        found[f"topic:{topic}"].add(article)
    published = Article.objects.published().filter(pk__in=ids)
    for query in set(searches):
        if matched := set(search.search(published, query).values_list("pk", flat=True)):
            found[f"search:{query}"] = matched
    return found


def forget_old_matches(now=None):
    """Drop the rows of pieces matched longer ago than WINDOW: they were published before it, so the
    look for new pieces never reaches them again, and the table it excludes stays a few days long."""
    now = now or timezone.now()
    return AlertedPiece.objects.filter(matched_at__lt=now - WINDOW - timedelta(days=1)).delete()[0]


def matches(article_ids, frequency):
    """{(subscription id, subscriber id): set of article ids} for the confirmed follows of this
    frequency that these published articles answer."""
    ids = list(article_ids)
    if not ids:
        return {}
    follows = Subscription.objects.filter(frequency=frequency, confirmed_at__isnull=False)
    searches = follows.filter(kind=Subscription.Kind.SEARCH).values_list("query", flat=True).distinct()
    targets = answered(ids, searches)
    rows = follows.filter(target__in=list(targets)).values_list("pk", "subscriber_id", "target")
    return {(pk, subscriber): targets[target] for pk, subscriber, target in rows.iterator(chunk_size=BATCH)}


def queue_instant(pieces):
    """Queue one email per subscriber and new piece (its versions in other languages are one piece),
    however many of their follows it answers; remember the pieces as matched. Returns how many."""
    if not pieces:
        return 0
    original = {pk: translation_of or pk for pk, translation_of in pieces}
    because = defaultdict(set)  # (subscriber, original piece) -> the follows it answers
    for (subscription, subscriber), articles in matches(original, Subscription.Frequency.INSTANT).items():
        for article in articles:
            because[subscriber, original[article]].add(subscription)
    deliveries = [
        Delivery(
            subscriber_id=subscriber,
            kind=Delivery.Kind.INSTANT,
            key=f"piece:{piece}",
            content={"piece": piece, "because": sorted(follows)},
        )
        for (subscriber, piece), follows in because.items()
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=BATCH, ignore_conflicts=True)
    AlertedPiece.objects.bulk_create([AlertedPiece(article_id=pk) for pk in original], ignore_conflicts=True)
    return len(deliveries)


def week_of(moment):
    """The ISO week a moment falls in, as a digest's key names it: "2026-W49"."""
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def digest_groups(since, until):
    """{subscriber id: [[subscription id, [article ids, newest first]], ...]} of the weekly follows
    the pieces published in [since, until) answer (one version of each piece)."""
    pieces = list(
        Article.objects.published()
        .filter(published_at__gte=since, published_at__lt=until)
        .order_by("-published_at", "-pk")
        .values_list("pk", "translation_of_id")
    )
    order = {pk: position for position, (pk, _) in enumerate(pieces)}
    original = {pk: translation_of or pk for pk, translation_of in pieces}
    groups = defaultdict(list)
    for (subscription, subscriber), articles in matches(original, Subscription.Frequency.WEEKLY).items():
        seen, listed = set(), []
        for article in sorted(articles, key=order.get):
            if original[article] not in seen:
                seen.add(original[article])
                listed.append(original[article])
        groups[subscriber].append([subscription, listed])
    return groups


def queue_digest(since, until):
    """Queue this week's digest for every subscriber whose weekly follows it answers. Returns how many."""
    key = f"digest:{week_of(since)}"
    deliveries = [
        Delivery(
            subscriber_id=subscriber, kind=Delivery.Kind.DIGEST, key=key, content={"groups": sorted(groups)}
        )
        for subscriber, groups in digest_groups(since, until).items()
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=BATCH, ignore_conflicts=True)
    return len(deliveries)
