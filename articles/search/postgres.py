"""PostgreSQL: a stored, weighted tsvector per article (GIN index), websearch_to_tsquery, ts_rank."""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, TrigramSimilarity
from django.db import connection
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat

from articles.models import ArticleSearch, SearchTerm

CONFIG = "english"


def tsquery(query):
    """Each term through websearch_to_tsquery (stemming, phrases), combined with tsquery operators."""

    def term(words):
        return SearchQuery('"' + " ".join(words) + '"', search_type="websearch", config=CONFIG)

    combined = None
    for group in query.groups:
        alternatives = None
        for words in group:
            alternatives = term(words) if alternatives is None else alternatives | term(words)
        combined = alternatives if combined is None else combined & alternatives
    for words in query.excluded:
        combined &= ~term(words)
    return combined


def match_ids(query, limit):
    """Ids of (at most `limit`) articles of any status matching the query."""
    rows = ArticleSearch.objects.filter(document=tsquery(query)).values_list("article_id", flat=True)
    return list(rows[:limit])


def filter(queryset, query):
    matches = ArticleSearch.objects.filter(document=tsquery(query)).values("article_id")
    return queryset.filter(pk__in=matches)


def rank(queryset, query):
    return queryset.annotate(search_rank=SearchRank(F("search_document__summary"), tsquery(query)))


def snippets(article_ids, query, start, end):
    from articles.models import Article
    from articles.search.documents import html_to_text

    rows = (
        Article.objects.filter(pk__in=article_ids)
        .annotate(
            passage=SearchHeadline(
                Concat("lead", Value(" "), "body", output_field=TextField()),
                tsquery(query),
                config=CONFIG,
                start_sel=start,
                stop_sel=end,
                max_words=40,
                min_words=20,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .values_list("pk", "passage")
    )
    return {pk: html_to_text(passage) for pk, passage in rows}


def write(documents):
    if not documents:
        return
    # The table name comes from the model; every value is a parameter.
    summary = (
        "setweight(to_tsvector(%(config)s::regconfig, %(title)s), 'A')"
        " || setweight(to_tsvector(%(config)s::regconfig, %(names)s), 'B')"
        " || setweight(to_tsvector(%(config)s::regconfig, %(lead)s), 'C')"
    )
    sql = (
        f"INSERT INTO {ArticleSearch._meta.db_table} (article_id, document, summary) VALUES (%(id)s, "
        f"{summary} || setweight(to_tsvector(%(config)s::regconfig, %(body)s), 'D'), {summary})"
        " ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document, summary = EXCLUDED.summary"
    )
    rows = [
        {
            "id": d.article_id,
            "config": CONFIG,
            "title": d.title,
            "names": f"{d.authors} {d.topics}",
            "lead": d.lead,
            "body": d.body,
        }
        for d in documents
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def delete(article_ids):
    ArticleSearch.objects.filter(article_id__in=article_ids).delete()


def clear():
    ArticleSearch.objects.all().delete()


def suggest(word, limit):
    """The known words most similar to `word` by trigrams (pg_trgm, GIN-indexed), closest first."""
    return list(
        SearchTerm.objects.filter(term__trigram_similar=word)
        .annotate(similarity=TrigramSimilarity("term", word))
        .order_by("-similarity", "term")
        .values_list("term", flat=True)[:limit]
    )
