"""The "Related articles" listing: the editors' picks first, then the closest published pieces."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import Article, ArticleAuthor

RELATED_LISTING_SIZE = 3
# The fill-in ranks the newest this-many articles that share a topic, and as many that share an
# expert: ranking every article under a broad topic would grow with the archive (seen: 600 ms at
# 100k on PostgreSQL).
FILL_CANDIDATES = 300


def related_articles(article, *, limit=RELATED_LISTING_SIZE):
    """Up to `limit` published articles related to `article`, never itself, never twice.

    Curated links come first in the editors' order (a curated draft is skipped); the rest is
    filled with published articles sharing the most topics and experts, newest first, chosen
    among the FILL_CANDIDATES newest that share a topic and the FILL_CANDIDATES newest that share
    an expert.
    A fixed number of queries: two for the curated part, two for the fill-in.
    """
    curated = list(
        Article.objects.published()
        .with_cards()
        .filter(linked_from__article=article)
        .exclude(pk=article.pk)
        .order_by("linked_from__position", "linked_from__id")[:limit]
    )
    missing = limit - len(curated)
    if missing <= 0:
        return curated

    topic_ids = [topic.pk for topic in article.topics.all()]
    expert_ids = [link.expert_id for link in article.article_authors.all()]
    if not topic_ids and not expert_ids:
        return curated
    tagged = Article.topics.through.objects.filter(topic_id__in=topic_ids)
    authored = ArticleAuthor.objects.filter(expert_id__in=expert_ids)
    shared_topics = _count(tagged.filter(article_id=OuterRef("pk")))
    shared_experts = _count(authored.filter(article_id=OuterRef("pk")))
    # The newest pieces sharing a topic and, apart, the newest sharing an expert: each a walk down
    # the date index that stops at FILL_CANDIDATES. One "shares a topic or an expert" condition
    # cannot be a semi-join and made PostgreSQL rescan the topic's articles per candidate (over two
    # minutes at 1M articles for the busiest expert in the broadest topic).
    newest = (
        Article.objects.published()
        .exclude(pk__in=[article.pk, *(other.pk for other in curated)])
        .order_by("-published_at", "-id")
    )
    by_topic = newest.filter(pk__in=tagged.values("article_id")).values("pk")[:FILL_CANDIDATES]
    by_expert = newest.filter(pk__in=authored.values("article_id")).values("pk")[:FILL_CANDIDATES]
    # Each slice wrapped in a query of its own: SQLite takes no LIMIT in a part of a UNION.
    candidates = (
        Article.objects.filter(pk__in=by_topic)
        .values("pk")
        .union(Article.objects.filter(pk__in=by_expert).values("pk"))
    )
    fill = (
        Article.objects.filter(pk__in=candidates)
        .with_cards()
        .annotate(closeness=shared_topics + shared_experts)
        .order_by("-closeness", "-published_at", "-id")[:missing]
    )
    return curated + list(fill)


def _count(rows):
    counted = rows.order_by().values("article_id").annotate(count=Count("*")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
