"""The sitemap index and its sections, and robots.txt pointing at it."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from articles.models import Article
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, scheduled
from tests.sitemaps import article_urls, locations

pytestmark = pytest.mark.django_db


def test_the_index_points_at_a_section_each_for_articles_experts_and_topics(client):
    ArticleFactory()
    sections = locations(client, "/sitemap.xml")
    assert {url.split("?")[0] for url in sections} == {
        "/sitemap-articles.xml",
        "/sitemap-experts.xml",
        "/sitemap-topics.xml",
    }


def test_every_published_article_is_listed_with_its_last_change_and_no_draft(client):
    published = ArticleFactory(slug="published-one")
    older = ArticleFactory(slug="older-one", published_at=datetime(2016, 5, 1, tzinfo=UTC))
    draft(slug="a-draft")
    scheduled(slug="a-scheduled-one")

    urls = article_urls(client)

    assert set(urls) == {"/en/articles/published-one/", "/en/articles/older-one/"}
    assert urls["/en/articles/published-one/"] == published.updated_at.date().isoformat()
    assert urls["/en/articles/older-one/"] == older.updated_at.date().isoformat()


def test_every_expert_and_topic_is_listed(client):
    writer = ExpertFactory(slug="writer")
    ExpertFactory(slug="no-articles-yet")
    korea = TopicFactory(slug="korea")
    TopicFactory(slug="empty-topic")
    ArticleFactory(authors=[writer], topics=[korea])

    experts = locations(client, "/sitemap-experts.xml")
    topics = locations(client, "/sitemap-topics.xml")

    assert set(experts) == {"/en/experts/writer/", "/en/experts/no-articles-yet/"}
    assert set(topics) == {"/en/topics/korea/", "/en/topics/empty-topic/"}
    assert topics["/en/topics/empty-topic/"] is None  # nothing published there: no date to give


def test_a_topics_last_change_is_its_newest_published_article(client):
    korea = TopicFactory(slug="korea")
    ArticleFactory(topics=[korea], published_at=datetime(2019, 6, 1, 8, tzinfo=UTC))
    ArticleFactory(topics=[korea], published_at=datetime(2018, 6, 1, 8, tzinfo=UTC))
    draft(topics=[korea])
    assert locations(client, "/sitemap-topics.xml")["/en/topics/korea/"] == "2019-06-01"


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    # Search results are under each language's prefix: "/search/" matched none of them.
    assert {"Disallow: /en/search/", "Disallow: /ru/search/"} <= set(lines)
    assert "Disallow: /search/" not in lines


def test_article_pages_go_by_ranges_of_ids_and_a_page_past_the_last_is_a_404(client, settings):
    from articles.sitemaps import ArticleSitemap

    settings.PAGE_CACHE_SECONDS = 0
    pieces = [ArticleFactory(slug=f"piece-{n}") for n in range(5)]
    draft(slug="a-draft")
    limit, ArticleSitemap.limit = ArticleSitemap.limit, 2
    try:
        index = locations(client, "/sitemap.xml")
        pages = [url for url in index if url.startswith("/sitemap-articles.xml")]
        highest = max(piece.pk for piece in pieces) + 1  # the draft's
        assert len(pages) == -(-highest // 2)
        listed = set()
        for page in pages:
            urls = locations(client, page)
            assert len(urls) <= 2
            listed |= set(urls)
        assert listed == {f"/en/articles/piece-{n}/" for n in range(5)}
        assert client.get(f"/sitemap-articles.xml?p={len(pages) + 1}").status_code == 404
        assert client.get("/sitemap-articles.xml?p=x").status_code == 404
    finally:
        ArticleSitemap.limit = limit


def test_an_experts_last_change_is_their_newest_piece_or_their_own_edit(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    writer = ExpertFactory(slug="writer")
    ArticleFactory(authors=[writer], published_at=datetime(2019, 6, 1, 8, tzinfo=UTC))
    Expert.objects.filter(pk=writer.pk).update(updated_at=datetime(2018, 1, 1, tzinfo=UTC))
    assert locations(client, "/sitemap-experts.xml")["/en/experts/writer/"] == "2019-06-01"
    ArticleFactory(authors=[writer], published_at=datetime(2020, 2, 2, 8, tzinfo=UTC))
    assert locations(client, "/sitemap-experts.xml")["/en/experts/writer/"] == "2020-02-02"


def test_the_index_dates_the_articles_by_their_newest_published_edit_never_a_drafts(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    edited = ArticleFactory(slug="edited")
    Article.objects.filter(pk=edited.pk).update(updated_at=datetime(2024, 3, 3, tzinfo=UTC))
    ArticleFactory(slug="older")
    Article.objects.filter(slug="older").update(updated_at=datetime(2022, 1, 1, tzinfo=UTC))
    secret = draft(slug="secret")
    Article.objects.filter(pk=secret.pk).update(updated_at=datetime(2025, 5, 5, tzinfo=UTC))

    index = locations(client, "/sitemap.xml")

    dates = {date[:10] for url, date in index.items() if url.startswith("/sitemap-articles.xml")}
    assert dates == {"2024-03-03"}


@pytest.mark.parametrize("section", ["articles", "experts", "topics"])
def test_a_section_reads_as_djangos_own_sitemap_template_writes_it(client, section):
    """The sections write their <url> elements in Python (articles.sitemaps.Section): the same
    addresses, days, alternates and escaping as django.contrib.sitemaps' template."""
    from django.template.loader import render_to_string

    from tests.sitemaps import NS

    expert, topic = ExpertFactory(slug="writer"), TopicFactory(slug="korea")
    original = ArticleFactory(slug="talks", authors=[expert], topics=[topic])
    ArticleFactory(slug="peregovory", language="ru", translation_of=original, authors=[expert])
    ArticleFactory(slug="alone", published_at=datetime(2016, 5, 1, 23, 30, tzinfo=UTC))

    def read(xml):
        root = ET.fromstring(xml)  # noqa: S314 - our own sitemap
        return [
            [entry.findtext(f"sm:{name}", namespaces=NS) for name in ("loc", "lastmod", "changefreq")]
            + sorted((link.get("hreflang"), link.get("href")) for link in entry.findall("xhtml:link", NS))
            for entry in root
        ]

    # Every page the index lists (articles go by ranges of ids: the first may be empty).
    pages = [page for page in locations(client, "/sitemap.xml") if page.startswith(f"/sitemap-{section}.xml")]
    listed = 0
    for page in pages:
        response = client.get(page)
        ours = read(response.content)
        assert ours == read(render_to_string("sitemap.xml", {"urlset": response.context["urlset"]}))
        listed += len(ours)
    assert listed == {"articles": 3, "experts": 1, "topics": 1}[section]
