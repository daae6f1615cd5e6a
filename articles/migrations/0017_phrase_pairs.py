"""PostgreSQL: each search document's adjacent word pairs, GIN-indexed, so that a phrase search
finds its candidates on the index (docs/search.md). Nothing on SQLite, whose FTS5 index holds
positions and matches phrases itself."""

from django.db import migrations

POSTGRES_FORWARD = [
    # The pairs of lexemes at adjacent positions of a tsvector, each pair one lexeme "a b".
    """
    CREATE FUNCTION article_word_pairs(document tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_to_tsvector(array_agg(DISTINCT word || ' ' || next_word)), ''::tsvector)
      FROM (
        SELECT lexeme AS word, position,
               lead(lexeme) OVER (ORDER BY position) AS next_word,
               lead(position) OVER (ORDER BY position) AS next_position
        FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS words
      ) AS neighbours
      WHERE next_position = position + 1
    $$
    """,
    # The pairs a phrase query requires ('a' <-> 'b' <-> 'c' gives 'a b' & 'b c'); NULL when it
    # requires none (one word, words apart, anything but a plain phrase).
    """
    CREATE FUNCTION article_phrase_pairs(query tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      WITH tokens AS (
        SELECT token[1] AS token, number
        FROM regexp_matches(query::text, $r$'(?:[^']|'')*'|<->|<[0-9]+>|[&|!()]|[^ ]+$r$, 'g')
             WITH ORDINALITY AS found(token, number)
      )
      SELECT CASE WHEN bool_or(token ~ '^[&|!()]') THEN NULL ELSE (
        SELECT string_agg(
                 quote_literal(replace(substr(a.token, 2, length(a.token) - 2), '''''', '''')
                               || ' ' || replace(substr(c.token, 2, length(c.token) - 2), '''''', '''')),
                 ' & ')::tsquery
        FROM tokens a JOIN tokens b ON b.number = a.number + 1 JOIN tokens c ON c.number = a.number + 2
        WHERE b.token = '<->' AND left(a.token, 1) = '''' AND left(c.token, 1) = ''''
      ) END
      FROM tokens
    $$
    """,
    "ALTER TABLE articles_articlesearch ADD COLUMN pairs tsvector"
    " GENERATED ALWAYS AS (article_word_pairs(document)) STORED",
    "CREATE INDEX article_search_pairs_idx ON articles_articlesearch USING GIN (pairs)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS article_search_pairs_idx",
    "ALTER TABLE articles_articlesearch DROP COLUMN IF EXISTS pairs",
    "DROP FUNCTION IF EXISTS article_phrase_pairs(tsquery)",
    "DROP FUNCTION IF EXISTS article_word_pairs(tsvector)",
]


def run_for_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_newest_publications")]

    operations = [migrations.RunPython(run_for_postgres(POSTGRES_FORWARD), run_for_postgres(POSTGRES_BACKWARD))]
