"""A reader's request only reads: no public page, feed, sitemap or API answer writes to the database,
not even when a scheduled piece has just fallen due (the task worker releases it, not the first
reader after its time), with the page cache on or off."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ArticleTally, Category, Source, Topic
from experts.models import Expert
from tests.factories import scheduled

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def public_pages():
    """One address of every public page type, in both languages where there are two."""
    article = Article.objects.published().filter(language="en").first()
    expert = Expert.objects.filter(authorships__isnull=False).first()
    topic, category, source = Topic.objects.first(), Category.objects.first(), Source.objects.first()
    pages = [
        "/", "/robots.txt", "/sitemap.xml", "/sitemap-articles.xml", "/sitemap-experts.xml",
        "/sitemap-topics.xml", "/api/", "/api/articles/", f"/api/articles/{article.slug}/", "/api/experts/",
        f"/api/experts/{expert.slug}/", "/api/topics/", "/api/schema/", "/api/docs/", "/no-such-page/",
    ]  # fmt: skip
    for language in ("en", "ru"):
        pages += [
            f"/{language}/", f"/{language}/articles/", f"/{language}/articles/?topic={topic.slug}&year=2017",
            f"/{language}/search/?q=korea", f"/{language}/search/?q=wietz", f"/{language}/experts/",
            f"/{language}/experts/{expert.slug}/", f"/{language}/experts/{expert.slug}/feed/",
            f"/{language}/topics/", f"/{language}/topics/{topic.slug}/",
            f"/{language}/topics/{topic.slug}/feed/",
            f"/{language}/categories/{category.slug}/", f"/{language}/sources/{source.slug}/",
            f"/{language}/feeds/latest/", f"/{language}/feeds/latest/atom/",
        ]  # fmt: skip
    pages += [f"/en/articles/{article.slug}/", f"/en/articles/{article.slug}/cite/bibtex/"]
    return pages


@pytest.mark.parametrize("page_cache", [True, False])
def test_no_reader_request_writes_even_when_a_scheduled_piece_falls_due(
    client, demo, settings, monkeypatch, page_cache
):
    settings.PAGE_CACHE_SECONDS = 86400 if page_cache else 0
    piece = scheduled(title="Due while nobody wrote")
    later = piece.published_at + timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)  # its time has come

    for page in public_pages():
        for _ in range(2):  # rendered, then (with the cache) served stored
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page, follow=True)
            assert response.status_code in (200, 404), page
            written = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
            assert written == [], (page, written[:2])

    # Still the worker's to release.
    assert ArticleTally.objects.get(article_id=piece.pk).due_at == piece.published_at
