"""PostgreSQL: a trigram index on titles, for the editors' search, which also finds a piece of a
title as typed (`title__icontains`, Django's `UPPER(title::text) LIKE UPPER(…)`): without it that
condition read every title (1.4 s for a slug at a million articles). pg_trgm is made by 0005."""

from django.db import migrations

INDEX = "article_title_trigram_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON articles_article USING gin ((UPPER(title::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0035_ranking_index")]

    operations = [migrations.RunPython(create, drop)]
