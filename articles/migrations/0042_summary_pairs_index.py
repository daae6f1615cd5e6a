"""PostgreSQL: a GIN index on the adjacent word pairs of the search summaries
(`article_word_pairs(summary)`, migration 0017's function), so that a phrase's best matches are
ranked among the summaries holding its pairs alone (postgres.best_summaries).

The summaries' RUM index checks every summary holding a phrase's words for the phrase: 86 ms for
"missile defense" (995 summaries with the phrase) and 256 for "north korea" (5,956) at a million
articles; off this index, 6 and 26. An expression of the summary, so the one write path keeps it
without a column of its own (80 s to build at a million articles, 199 MB).
"""

from django.db import migrations

INDEX = "article_search_summary_pairs_idx"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_articlesearch"
            " USING gin (article_word_pairs(summary))"
        )
        # The planner's statistics of the indexed expression, which only ANALYZE gathers.
        cursor.execute("ANALYZE articles_articlesearch")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0041_review_steps_and_versions_indexed")]

    operations = [migrations.RunPython(create, drop)]
