"""PostgreSQL: a RUM index on the search summaries (title, names, lead, filter terms), where the
server has the extension (Debian: postgresql-15-rum). It ranks a common word's best matches off
the index, and orders them there (`summary <=> query`), instead of reading every match to rank it
(docs/search.md). Without the extension nothing is made: search ranks with ts_rank over the GIN
index, and says so in the log. Installed later, it is made by migrating back to 0034 and forward."""

from django.db import migrations, transaction

INDEX = "article_search_summary_rum"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            return
        try:
            with transaction.atomic(using=connection.alias):  # a role that may not create it: go on without
                cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except Exception:  # noqa: BLE001 - the extension is an option; the log says it is missing
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_articlesearch USING rum (summary rum_tsvector_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0034_filters_in_the_index")]

    operations = [migrations.RunPython(create, drop)]
