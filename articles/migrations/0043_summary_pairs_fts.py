"""SQLite: the FTS5 table gains the word pairs of the title, the lead, the authors and the topics,
one token a pair (articles.search.sqlite.pairs), so that a phrase of two words is found and ranked
among the summaries as one token's rows (sqlite.summary_term), as PostgreSQL does off migration
0042's index.

FTS5 cannot add a column: the table is made again, its stems copied as they are and their pairs
made from them (by a function of this connection, in one statement). Nothing on PostgreSQL.
"""

from django.db import migrations

BEFORE = "title, lead, body, authors, topics, filters"
PAIRED = ("title", "lead", "authors", "topics")
TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"


def add_pairs(apps, schema_editor):
    fill(schema_editor.connection)


def fill(connection):
    from articles.search.sqlite import pairs

    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    connection.connection.create_function("article_pairs", 1, pairs, deterministic=True)
    columns = ", ".join(f"{column}_pairs" for column in PAIRED)
    made = ", ".join(f"article_pairs({column})" for column in PAIRED)
    _rebuild(connection, f"{BEFORE}, {columns}", f"rowid, {BEFORE}, {columns}", f"rowid, {BEFORE}, {made}")


def drop_pairs(apps, schema_editor):
    unfill(schema_editor.connection)


def unfill(connection):
    """The table as it was before: without the pairs."""
    if connection.vendor == "sqlite":
        _rebuild(connection, BEFORE, f"rowid, {BEFORE}", f"rowid, {BEFORE}")


def _rebuild(connection, columns, inserted, selected):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE articles_fts RENAME TO articles_fts_before")
        cursor.execute(f"CREATE VIRTUAL TABLE articles_fts USING fts5({columns}, {TOKENIZER})")
        cursor.execute(f"INSERT INTO articles_fts ({inserted}) SELECT {selected} FROM articles_fts_before")
        cursor.execute("DROP TABLE articles_fts_before")


class Migration(migrations.Migration):
    dependencies = [("articles", "0042_summary_pairs_index")]

    operations = [migrations.RunPython(add_pairs, drop_pairs)]
