"""The "Related articles" listing: the editors' picks first, then the closest published pieces.

The fill-in looks at an article's neighbours in time: on the timeline of each topic it is tagged
with and of each of its experts (articles.models.Timeline, kept at write time), the NEIGHBOURS
pieces just before it and the NEIGHBOURS just after. Among those, the ones found on the most of
its timelines (sharing the most topics and experts near its time) come first, then the nearest in
time. Each walk is a short range of one index,
so the listing costs the same at a thousand articles and at a million; and a write changes only
its neighbours' listings, which the page cache forgets with the topic's and experts' pages.
"""

from collections import Counter

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from articles.models import Article, RelatedLink, Timeline

RELATED_LISTING_SIZE = 3
NEIGHBOURS = 10  # on each timeline, before and after the article


def related_articles(article, *, limit=RELATED_LISTING_SIZE):
    """Up to `limit` published articles related to `article`, never itself, never twice.

    Curated links come first in the editors' order (a curated draft is skipped); the rest is
    filled with the article's closest neighbours (see the module). Three queries: the walks, then
    the picks and the neighbours' cards together (and their bylines).
    """
    # Enough neighbours that `limit` are left once the editors' picks among them are set aside.
    neighbours = closest_neighbours(article)[: 2 * limit]
    links = RelatedLink.objects.filter(article=article)
    picks = links.filter(related=OuterRef("pk"))
    cards = (
        Article.objects.published()
        .with_cards()
        .filter(Q(pk__in=neighbours) | Q(pk__in=links.values("related")))
        .exclude(pk=article.pk)
        .annotate(pick=Subquery(picks.values("position")[:1]), pick_link=Subquery(picks.values("pk")[:1]))
    )
    cards = list(cards)
    curated = sorted((card for card in cards if card.pick is not None), key=lambda c: (c.pick, c.pick_link))
    fill = {card.pk: card for card in cards if card.pick is None}
    return (curated + [fill[pk] for pk in neighbours if pk in fill])[:limit]


def closest_neighbours(article):
    """Ids of the article's neighbours on its timelines, closest first: on the most of its
    timelines, then nearest in time, then newest. A draft (previewed) is placed at the present."""
    places = [(Timeline.Kind.TOPIC, topic.pk) for topic in article.topics.all()]
    places += [(Timeline.Kind.EXPERT, link.expert_id) for link in article.article_authors.all()]
    if not places:
        return []
    when = article.published_at or timezone.now()
    before = Q(published_at__lt=when) | Q(published_at=when, article_id__lt=article.pk)
    after = Q(published_at__gt=when) | Q(published_at=when, article_id__gt=article.pk)
    walks = []
    for kind, ref in places:
        timeline = Timeline.objects.filter(kind=kind, ref=ref)
        walks += [
            timeline.filter(before).order_by("-published_at", "-article_id"),
            timeline.filter(after).order_by("published_at", "article_id"),
        ]
    # Each walk wrapped in a query of its own: SQLite takes no LIMIT in a part of a UNION.
    first, *rest = [
        Timeline.objects.filter(pk__in=walk.values("pk")[:NEIGHBOURS]).values_list(
            "article_id", "published_at"
        )
        for walk in walks
    ]
    found = list(first.union(*rest, all=True))
    timelines = Counter(pk for pk, _ in found)
    dates = dict(found)
    return sorted(dates, key=lambda pk: (-timelines[pk], abs(dates[pk] - when), -pk))
