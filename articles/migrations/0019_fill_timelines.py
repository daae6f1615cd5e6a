"""The timelines of an existing archive (and the counts of one never counted).

Not atomic: a whole-archive count commits a step at a time (in one transaction, the count rows' new
versions pile up unpruned and each step is slower than the last).
"""

from django.db import migrations
from django.utils import timezone

FILL = """
INSERT INTO articles_timeline (kind, ref, published_at, article_id)
SELECT 't', tag.topic_id, article.published_at, article.id
FROM articles_article_topics tag JOIN articles_article article ON article.id = tag.article_id
WHERE article.status = 'published' AND article.published_at <= %(now)s
UNION ALL
SELECT DISTINCT 'u', lineage.ancestor_id, article.published_at, article.id
FROM articles_article_topics tag JOIN articles_article article ON article.id = tag.article_id
JOIN articles_topiclineage lineage ON lineage.descendant_id = tag.topic_id
WHERE article.status = 'published' AND article.published_at <= %(now)s
UNION ALL
SELECT 'e', byline.expert_id, article.published_at, article.id
FROM articles_articleauthor byline JOIN articles_article article ON article.id = byline.article_id
WHERE article.status = 'published' AND article.published_at <= %(now)s
"""


def fill(apps, schema_editor):
    """The published articles' timelines, in one statement (seconds at a million articles, where
    recounting every article would take minutes); scheduled pieces join when they are due.

    An archive whose counts were never taken (migration 0015 no longer takes them) is counted
    whole instead, timelines included, by the app's own code: every table it writes exists now.
    """
    from articles import tallies

    Article, Tally = apps.get_model("articles", "Article"), apps.get_model("articles", "Tally")
    if Article.objects.exists() and not Tally.objects.exists():
        tallies.rebuild()
        return
    now = schema_editor.connection.ops.adapt_datetimefield_value(timezone.now())
    schema_editor.execute(FILL, {"now": now})
    # Statistics for the planner now: without them it takes a topic's timeline for a few hundred
    # rows and sorts all of them for a listing's first page (seen: 250 ms at a million articles).
    schema_editor.execute("ANALYZE articles_timeline")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("articles", "0018_timelines")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
