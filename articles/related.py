"""The "Related articles" listing: the article's own items first, as the publisher or the editors
ordered them, then automatic fill-in up to RELATED_LISTING_SIZE.

An own item (RelatedLink of kind LISTING) is shown as a card when its article is published here;
otherwise as the entry the publisher's page gave (title, date, lead, expert, category), never with
a draft's own fields and never as a link to a draft. articles.references turns an entry into a link
the moment its article is saved.

The fill-in shares a topic with the article at its most specific level: among the article's topics,
those deepest in the tree (Topic.depth). A Korea piece tagged "Korean Peninsula" and "International
Security" is filled in from other "Korean Peninsula" pieces only, never from a European energy piece
that only shares "International Security". On the timeline of each such topic (articles.models.
Timeline, kept at write time) it takes the NEIGHBOURS pieces just before the article and the
NEIGHBOURS just after; those on most of the timelines come first, then the nearest in time; only
pieces in the article's own language. Each walk is a short range of one index, so the listing costs
the same at a thousand articles and at a million.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from articles.models import Article, RelatedLink, Timeline
from articles.references import entries_query

RELATED_LISTING_SIZE = 6
NEIGHBOURS = 10  # on each timeline, before and after the article


@dataclass
class RelatedItem:
    """One item of the listing: a published `article`, or the `entry` of a piece not here (yet)."""

    article: Article | None = None
    entry: RelatedLink | None = None


def related_listing(article, *, limit=RELATED_LISTING_SIZE):
    """The listing as the article's page shows it: [RelatedItem], and the ids of every article its
    references point at (published or not: the page changes when one of them does).

    Three queries, or four with fill-in: the references, the fill-in's timeline walks, then the
    cards (and their bylines) of the published ones.
    """
    links = list(entries_query(article))
    targets = {link.related_id for link in links if link.related_id}
    own = [link for link in links if link.kind == RelatedLink.Kind.LISTING][:limit]
    wanted = [link.related_id for link in own if link.related_id]
    neighbours = []
    if len(own) < limit:
        neighbours = [pk for pk in _neighbours(article) if pk not in targets][: limit - len(own)]
    cards = (
        Article.objects.published().with_cards().in_bulk([*wanted, *neighbours])
        if wanted or neighbours
        else {}
    )
    items = []
    for link in own:
        if link.related_id in cards:
            items.append(RelatedItem(article=cards[link.related_id]))
        elif link.title:  # an editor's pick of a draft with no entry of its own is not shown
            items.append(RelatedItem(entry=link))
    items += [RelatedItem(article=cards[pk]) for pk in neighbours if pk in cards]
    return items[:limit], targets


def most_specific_topics(topics):
    """The topics of `topics` deepest in the tree (see the module)."""
    deepest = max((topic.depth for topic in topics), default=0)
    return [topic for topic in topics if topic.depth == deepest]


def _neighbours(article):
    """The ids of the article's neighbours on the timelines of its most specific topics, closest first
    (on the most of those timelines, then nearest in time, then newest), in one query. A draft
    (previewed) is placed at the present."""
    topics = most_specific_topics(list(article.topics.all()))
    if not topics:
        return []
    when = article.published_at or timezone.now()
    # Each a range of the index on the date, the id only breaking ties at the same date: an "earlier
    # date, or the same date and a smaller id" OR made SQLite read the whole timeline (26 ms at 1M).
    before = Q(published_at__lte=when) & ~Q(published_at=when, article_id__gte=article.pk)
    after = Q(published_at__gte=when) & ~Q(published_at=when, article_id__lte=article.pk)
    walks = []
    for topic in topics:
        # In the article's language: the listing links to pieces its reader can read.
        timeline = Timeline.objects.filter(kind=Timeline.Kind.TOPIC, ref=topic.pk, language=article.language)
        for walk in (
            timeline.filter(before).order_by("-published_at", "-article_id"),
            timeline.filter(after).order_by("published_at", "article_id"),
        ):
            # Each walk wrapped in a query of its own: SQLite takes no LIMIT in a part of a UNION.
            walks.append(
                Timeline.objects.filter(pk__in=walk.values("pk")[:NEIGHBOURS]).values_list(
                    "article_id", "published_at"
                )
            )
    first, *rest = walks
    found = list(first.union(*rest, all=True)) if rest else list(first)
    dates = dict(found)
    timelines = Counter(pk for pk, _ in found)
    return sorted(dates, key=lambda pk: (-timelines[pk], abs(dates[pk] - when), -pk))


def related_articles(article, *, limit=RELATED_LISTING_SIZE):
    """The published articles of the listing, in its order (the API's "related")."""
    return [item.article for item in related_listing(article, limit=limit)[0] if item.article]
