"""PostgreSQL: the adjacent word pairs of a search document (migration 0017's function) found by
joining each position to the next, not by a window over the positions sorted, and without a
DISTINCT that array_to_tsvector does anyway. 2,000 generated documents: 690–750 ms → 430–460.
Every index write computes it twice (the `pairs` column, the summaries' pairs index).

The same pairs, so nothing stored is computed again: positions are distinct in the documents the
index writes (one lexeme a word), except where a body past 16,383 words has its last ones all at
that position; there a pair is now every lexeme at 16,383 after the word before, as the document's
own phrase match reads them (the window took one at random). rebuild_search_index brings such a
row in line. Nothing on SQLite."""

from importlib import import_module

from django.db import migrations

BY_JOIN = """
    CREATE OR REPLACE FUNCTION article_word_pairs(document tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(document))
      SELECT coalesce(array_to_tsvector(array_agg(word.lexeme || ' ' || next.lexeme)), ''::tsvector)
      FROM words AS word JOIN words AS next ON next.position = word.position + 1
    $$
"""
# Back: migration 0017's definition, as it was.
BY_WINDOW = import_module("articles.migrations.0017_phrase_pairs").POSTGRES_FORWARD[0].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
)


def define(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0044_article_filters_by_id_sqlite")]

    operations = [migrations.RunPython(define(BY_JOIN), define(BY_WINDOW))]
