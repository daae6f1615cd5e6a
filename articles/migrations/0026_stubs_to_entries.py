"""Stubs (draft articles the importer made from related listings) become entries of the listings
that named them (RelatedLink's own title, date, lead, expert, category), and go; topics get their
depth. The bodies' links are written by `manage.py rebuild_links` (or by any later save)."""

from django.db import migrations

from articles.richtext import folded_words

BATCH = 1000


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    RelatedLink = apps.get_model("articles", "RelatedLink")
    ArticleAuthor = apps.get_model("articles", "ArticleAuthor")
    Topic = apps.get_model("articles", "Topic")
    TopicLineage = apps.get_model("articles", "TopicLineage")

    for topic in Topic.objects.all():
        depth = TopicLineage.objects.filter(descendant=topic).count() - 1
        if depth > 0:
            Topic.objects.filter(pk=topic.pk).update(depth=depth)

    stubs = list(Article.objects.filter(is_stub=True, status="draft").values_list("pk", flat=True))
    for start in range(0, len(stubs), BATCH):
        batch = stubs[start : start + BATCH]
        experts = {}
        for article_id, expert_id in (
            ArticleAuthor.objects.filter(article_id__in=batch)
            .order_by("-position")
            .values_list("article_id", "expert_id")
        ):
            experts[article_id] = expert_id
        found = {stub.pk: stub for stub in Article.objects.filter(pk__in=batch)}
        for link in RelatedLink.objects.filter(related_id__in=batch):
            stub = found[link.related_id]
            link.title = stub.title
            link.title_key = folded_words(stub.title)
            link.published_on = stub.published_at.date() if stub.published_at else None
            link.lead = stub.lead
            link.expert_id = experts.get(stub.pk)
            link.category_id = stub.category_id
            link.url = stub.original_url
            link.related_id = None
            link.save()
        Article.objects.filter(pk__in=batch).delete()
        if schema_editor.connection.vendor == "sqlite":  # the full-text table has no foreign key
            with schema_editor.connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(batch))
                cursor.execute(f"DELETE FROM articles_fts WHERE rowid IN ({marks})", batch)  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("articles", "0025_references_and_mentions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
