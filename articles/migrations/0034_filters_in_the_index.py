"""The filters an article is found by (topics, authors, category, source, year, language, whether
it is public) join its search document as terms of the index, so that a listing combining them,
with or without words, is one lookup in the index (docs/search.md, "Filters in the index").

PostgreSQL: lexemes without positions ("t=12") added to each document and summary, in one statement.
SQLite: the FTS5 table gains a `filters` column (FTS5 cannot add one: the table is made again, its
stems copied as they are)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 2_000

POSTGRES_FILTERS = """
WITH filters AS (
  SELECT article.id, array_to_tsvector(
    array_remove(ARRAY[
      CASE WHEN article.status = 'published' AND article.published_at <= now() THEN 'p=1' END,
      'l=' || article.language,
      'c=' || article.category_id,
      's=' || article.source_id,
      'y=' || extract(year FROM article.published_at AT TIME ZONE %(zone)s)::int
    ], NULL)
    || ARRAY(SELECT DISTINCT 't=' || tagged.topic_id FROM articles_article_topics AS tagged
             WHERE tagged.article_id = article.id)
    || ARRAY(SELECT DISTINCT 'e=' || byline.expert_id FROM articles_articleauthor AS byline
             WHERE byline.article_id = article.id)
  ) AS terms
  FROM articles_article AS article
)
UPDATE articles_articlesearch AS search
SET document = search.document || filters.terms, summary = search.summary || filters.terms
FROM filters WHERE filters.id = search.article_id
"""


def add_filters(apps, schema_editor):
    fill(apps, schema_editor.connection)


def fill(apps, connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(POSTGRES_FILTERS, {"zone": settings.TIME_ZONE})
    elif connection.vendor == "sqlite":
        refill_sqlite(apps, connection)


def refill_sqlite(apps, connection):
    from articles.search.documents import filter_terms
    from articles.search.sqlite import token

    Article = apps.get_model("articles", "Article")
    ArticleAuthor = apps.get_model("articles", "ArticleAuthor")
    Tagged = Article.topics.through
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE articles_fts RENAME TO articles_fts_before")
        cursor.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "title, lead, body, authors, topics, filters, tokenize = 'unicode61 remove_diacritics 2')"
        )
        last = -1
        while True:
            cursor.execute(
                "SELECT rowid, title, lead, body, authors, topics FROM articles_fts_before"
                " WHERE rowid > %s ORDER BY rowid LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            ids = [row[0] for row in rows]
            articles = {
                pk: rest
                for pk, *rest in Article.objects.filter(pk__in=ids).values_list(
                    "pk", "category_id", "source_id", "published_at", "language", "status"
                )
            }
            topics, experts = {}, {}
            for article_id, topic_id in Tagged.objects.filter(article_id__in=ids).values_list(
                "article_id", "topic_id"
            ):
                topics.setdefault(article_id, []).append(topic_id)
            for article_id, expert_id in ArticleAuthor.objects.filter(article_id__in=ids).values_list(
                "article_id", "expert_id"
            ):
                experts.setdefault(article_id, []).append(expert_id)
            copied = []
            for pk, *text in rows:
                if pk not in articles:
                    continue  # an article gone: out of the index
                category_id, source_id, published_at, language, status = articles[pk]
                terms = filter_terms(
                    topics=topics.get(pk, []),
                    experts=experts.get(pk, []),
                    category_id=category_id,
                    source_id=source_id,
                    published_at=published_at,
                    language=language,
                    is_public=status == "published" and published_at is not None and published_at <= now,
                )
                copied.append((pk, *text, " ".join(token(*term) for term in terms)))
            cursor.executemany(
                "INSERT INTO articles_fts (rowid, title, lead, body, authors, topics, filters)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                copied,
            )
            last = ids[-1]
        cursor.execute("DROP TABLE articles_fts_before")


class Migration(migrations.Migration):
    dependencies = [("articles", "0033_picture_renditions")]

    operations = [migrations.RunPython(add_filters, migrations.RunPython.noop)]
