"""SQLite: an FTS5 table (porter stemming) joined to the articles, ranked with bm25()."""

import difflib

from django.db import connection
from django.db.models import F, FloatField, Func, Value

from articles.models import ArticleFts, SearchTerm

# bm25 column weights, in the table's column order: title, lead, body, authors, topics.
WEIGHTS = (10.0, 3.0, 1.0, 5.0, 4.0)
LEAD_COLUMN, BODY_COLUMN = 1, 2


class Bm25(Func):
    function = "bm25"
    output_field = FloatField()


def match_expression(query):
    """The FTS5 expression for a parsed query; every word is quoted, so none is an operator."""

    def term(words):
        return '"' + " ".join(words) + '"'

    groups = []
    for group in query.groups:
        alternatives = [term(words) for words in group]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    expression = " AND ".join(groups)
    for words in query.excluded:
        expression += " NOT " + term(words)
    return expression


def match_ids(query, limit):
    """Ids of (at most `limit`) articles of any status matching the query."""
    rows = ArticleFts.objects.filter(document__match=match_expression(query)).values_list(
        "article_id", flat=True
    )
    return list(rows[:limit])


def filter(queryset, query):
    # A subquery, not a join: SQLite then reads the matches once instead of matching per article.
    matches = ArticleFts.objects.filter(document__match=match_expression(query)).values("article_id")
    return queryset.filter(pk__in=matches)


def rank(queryset, query):
    # bm25() only works inside a full-text query, so ranking repeats the match; it is lower for
    # better matches: negated, higher is better, as on PostgreSQL.
    score = Bm25(F("fts__document"), *(Value(weight) for weight in WEIGHTS)) * Value(-1.0)
    return queryset.filter(fts__document__match=match_expression(query)).annotate(search_rank=score)


def snippets(article_ids, query, start, end):
    """One statement with a branch per article: FTS5 seeks a single rowid fast, but not a list."""
    table, expression = ArticleFts._meta.db_table, match_expression(query)
    branch = (
        f"SELECT rowid, snippet({table}, {BODY_COLUMN}, %s, %s, '…', 40), "
        f"snippet({table}, {LEAD_COLUMN}, %s, %s, '…', 40) FROM {table} WHERE {table} MATCH %s AND rowid = %s"
    )
    sql = " UNION ALL ".join([branch] * len(article_ids))
    params = [value for pk in article_ids for value in (start, end, start, end, expression, pk)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {pk: body if start in body else lead for pk, body, lead in rows}


def write(documents):
    if not documents:
        return
    delete([document.article_id for document in documents])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {ArticleFts._meta.db_table} (rowid, title, lead, body, authors, topics) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(d.article_id, d.title, d.lead, d.body, d.authors, d.topics) for d in documents],
        )


def delete(article_ids):
    if article_ids:
        placeholders = ", ".join(["%s"] * len(article_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {ArticleFts._meta.db_table} WHERE rowid IN ({placeholders})", article_ids
            )


def clear():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ArticleFts._meta.db_table}")


def suggest(word, limit):
    """The known words closest to `word` among those sharing its first two letters and about its
    length, closest first."""
    prefix = word[:2]
    candidates = SearchTerm.objects.filter(term__gte=prefix, term__lt=prefix + "\uffff").values_list(
        "term", flat=True
    )
    near = [term for term in candidates.iterator() if abs(len(term) - len(word)) <= 2]
    return difflib.get_close_matches(word, near, n=limit, cutoff=0.75)
