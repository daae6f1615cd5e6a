"""SQLite: the full-text table holds Snowball stems (Russian and English) instead of FTS5's porter
stemming, which knows English only (articles.search.sqlite); every article is indexed again.
Nothing on PostgreSQL, whose articles so far are all in English and indexed so."""

from django.db import migrations

TOKENIZER = "unicode61 remove_diacritics 2"
BATCH = 2_000


def restem(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from articles.search.documents import html_to_text
    from articles.search.stemming import stems

    Article = apps.get_model("articles", "Article")
    ArticleAuthor = apps.get_model("articles", "ArticleAuthor")
    Tagged = Article.topics.through
    schema_editor.execute("DROP TABLE IF EXISTS articles_fts")
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, authors, topics, tokenize = '{TOKENIZER}')"
    )

    def names(rows):
        found = {}
        for article_id, name, translations in rows:
            found.setdefault(article_id, []).append(name)
            for entry in (translations or {}).values():
                if isinstance(entry, dict) and entry.get("name"):
                    found[article_id].append(entry["name"])
        return found

    last = 0
    while True:
        articles = list(
            Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "title", "lead", "body")[:BATCH]
        )
        if not articles:
            return
        ids = [row[0] for row in articles]
        authors = names(
            ArticleAuthor.objects.filter(article_id__in=ids)
            .order_by("position")
            .values_list("article_id", "expert__name", "expert__translations")
        )
        topics = names(Tagged.objects.filter(article_id__in=ids).values_list("article_id", "topic__name", "topic__translations"))
        rows = [
            (pk, stems(title), stems(lead), stems(html_to_text(body)), stems(", ".join(authors.get(pk, []))),
             stems(", ".join(topics.get(pk, []))))
            for pk, title, lead, body in articles
        ]
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO articles_fts (rowid, title, lead, body, authors, topics) VALUES (%s, %s, %s, %s, %s, %s)", rows
            )
        last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0021_translations"),
        ("experts", "0002_translations"),
    ]

    operations = [migrations.RunPython(restem, migrations.RunPython.noop)]
