"""The "Related articles" listing: the editors' picks first, then the closest published pieces.

The fill-in looks at an article's neighbours in time: on the timeline of each topic it is tagged
with and of each of its experts (articles.models.Timeline, kept at write time), the NEIGHBOURS
pieces just before it and the NEIGHBOURS just after. Among those, the ones found on the most of
its timelines (sharing the most topics and experts near its time) come first, then the nearest in
time; only pieces in its own language are its neighbours. Each walk is a short range of one
index, so the listing costs the same at a thousand articles and at a million; and a write changes
only its neighbours' listings, which the page cache forgets with the topic's and experts' pages.
"""

from collections import Counter

from django.db.models import DateTimeField, IntegerField, Q, Value
from django.utils import timezone

from articles.models import Article, RelatedLink, Timeline

RELATED_LISTING_SIZE = 3
NEIGHBOURS = 10  # on each timeline, before and after the article


def related_articles(article, *, limit=RELATED_LISTING_SIZE):
    """Up to `limit` published articles related to `article`, never itself, never twice.

    Curated links come first in the editors' order (a curated draft is skipped); the rest is
    filled with the article's closest neighbours (see the module). Three queries: the picks and
    the walks together, then the cards (and their bylines) of the picks and the best neighbours.
    """
    picks, neighbours = _picks_and_neighbours(article)
    neighbours = [pk for pk in neighbours if pk not in picks][:limit]
    cards = Article.objects.published().with_cards().in_bulk([*picks, *neighbours])
    return [cards[pk] for pk in [*picks, *neighbours] if pk in cards][:limit]


def _picks_and_neighbours(article):
    """The ids of the editors' picks, in their order, and of the article's neighbours on its
    timelines, closest first (on the most of its timelines, then nearest in time, then newest), in
    one query. A draft (previewed) is placed at the present."""
    no_date, no_position = Value(None, DateTimeField()), Value(None, IntegerField())
    rows = [
        RelatedLink.objects.filter(article=article)
        .order_by()  # ordered below: no ORDER BY in a part of a UNION
        .annotate(when=no_date)
        .values_list("related_id", "when", "position", "pk")
    ]
    places = [(Timeline.Kind.TOPIC, topic.pk) for topic in article.topics.all()]
    places += [(Timeline.Kind.EXPERT, link.expert_id) for link in article.article_authors.all()]
    when = article.published_at or timezone.now()
    # Each a range of the index on the date, the id only breaking ties at the same date: an "earlier
    # date, or the same date and a smaller id" OR made SQLite read the whole timeline (26 ms at 1M).
    before = Q(published_at__lte=when) & ~Q(published_at=when, article_id__gte=article.pk)
    after = Q(published_at__gte=when) & ~Q(published_at=when, article_id__lte=article.pk)
    for kind, ref in places:
        # In the article's language: the listing links to pieces its reader can read.
        timeline = Timeline.objects.filter(kind=kind, ref=ref, language=article.language)
        for walk in (
            timeline.filter(before).order_by("-published_at", "-article_id"),
            timeline.filter(after).order_by("published_at", "article_id"),
        ):
            # Each walk wrapped in a query of its own: SQLite takes no LIMIT in a part of a UNION.
            rows.append(
                Timeline.objects.filter(pk__in=walk.values("pk")[:NEIGHBOURS])
                .annotate(position=no_position, link=no_position)
                .values_list("article_id", "published_at", "position", "link")
            )
    first, *rest = rows
    found = list(first.union(*rest, all=True))
    picked = sorted((row for row in found if row[2] is not None), key=lambda row: row[2:])  # position, link
    picks = [pk for pk, *_ in picked]
    dates = {pk: published_at for pk, published_at, position, _ in found if position is None}
    timelines = Counter(pk for pk, _, position, _ in found if position is None)
    return picks, sorted(dates, key=lambda pk: (-timelines[pk], abs(dates[pk] - when), -pk))
