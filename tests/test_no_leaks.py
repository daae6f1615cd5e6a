"""Drafts and scheduled pieces never show on any public surface, not even by their title."""

import pytest

from articles.models import Topic
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    relate,
    scheduled,
)
from tests.sitemaps import article_urls

pytestmark = pytest.mark.django_db

SECRET_WORDS = ["Quixotrazine", "Plumbovexal"]  # words in the hidden pieces and nowhere else


@pytest.fixture
def archive(db):
    topic = TopicFactory(slug="korea", name="Korea", kind=Topic.Kind.REGION)
    hidden_topic = TopicFactory(slug="hidden-topic", name="Hidden topic")  # only hidden pieces use it
    expert = ExpertFactory(slug="weitz", name="Richard Weitz")
    ghost = ExpertFactory(slug="ghost-writer", name="Ghost Writer")  # writes only hidden pieces
    category, source = CategoryFactory(slug="opinions"), SourceFactory(slug="valdai")
    public = ArticleFactory(
        slug="public",
        title="A public piece on Korea",
        authors=[expert],
        topics=[topic],
        category=category,
        source=source,
    )
    hidden = [
        draft(
            slug="secret-draft",
            title="Quixotrazine draft title",
            lead="Plumbovexal lead.",
            body="<p>Quixotrazine body.</p>",
            authors=[expert, ghost],
            topics=[topic, hidden_topic],
            category=category,
            source=source,
        ),
        scheduled(
            slug="secret-scheduled",
            title="Plumbovexal scheduled title",
            lead="Quixotrazine lead.",
            authors=[expert, ghost],
            topics=[topic, hidden_topic],
            category=category,
            source=source,
        ),
    ]
    relate(public, *hidden)  # editors linked the public piece to the hidden ones
    for piece in hidden:
        relate(piece, public)
    return public, hidden


PUBLIC_URLS = [
    "/en/",
    "/en/articles/",
    "/en/articles/?region=korea",
    "/en/articles/?expert=weitz",
    "/en/articles/?expert=ghost-writer",
    "/en/articles/?topic=hidden-topic",
    "/en/articles/?category=opinions&source=valdai",
    "/en/articles/public/",
    "/en/search/?q=Quixotrazine",
    "/en/search/?q=Plumbovexal",
    "/en/search/?q=Quixotrazin",  # a "did you mean" must not offer the hidden word
    "/en/search/?q=Plumbovexl",
    "/en/search/?q=Korea",
    "/en/search/?q=Ghost+Writer",
    "/en/experts/",
    "/en/experts/?topic=korea",
    "/en/experts/weitz/",
    "/en/experts/ghost-writer/",
    "/en/topics/",
    "/en/topics/korea/",
    "/en/topics/hidden-topic/",
    "/en/categories/opinions/",
    "/en/sources/valdai/",
    "/en/feeds/latest/",
    "/en/feeds/latest/atom/",
    "/en/experts/weitz/feed/",
    "/en/experts/ghost-writer/feed/atom/",
    "/en/topics/korea/feed/",
    "/en/topics/hidden-topic/feed/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-experts.xml",
    "/sitemap-topics.xml",
    "/en/articles/public/cite/bibtex/",
    "/en/articles/public/cite/ris/",
    "/api/articles/",
    "/api/articles/?q=Quixotrazine",
    "/api/articles/?q=Plumbovexal",
    "/api/articles/?expert=ghost-writer",
    "/api/articles/public/",
    "/api/experts/",
    "/api/experts/ghost-writer/",
    "/api/topics/",
]


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_no_public_surface_shows_a_hidden_piece(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode().lower()
    # A search page repeats what was asked: then the titles and addresses must still not show.
    echoed = [word for word in SECRET_WORDS if word.lower()[:9] in url.lower()]
    secrets = [w for w in SECRET_WORDS if w not in echoed] + ["draft title", "scheduled title", "secret-"]
    for secret in secrets:
        assert secret.lower() not in text, (url, secret)
    if echoed and not url.startswith("/api/"):
        assert response.context["articles"] == [], url
        suggestion = str(response.context.get("suggestion") or "").lower()
        assert not any(word.lower() in suggestion for word in SECRET_WORDS), (url, suggestion)
    elif echoed:
        assert response.json()["results"] == [], url


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize(
    "url",
    [
        "/en/articles/secret-draft/",
        "/en/articles/secret-scheduled/",
        "/en/articles/secret-draft/cite/text/",
        "/api/articles/secret-draft/",
        "/api/articles/secret-scheduled/",
    ],
)
def test_a_hidden_piece_is_not_found_at_its_own_address(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("archive")
def test_counts_leave_hidden_pieces_out(client):
    listing = client.get("/en/articles/?region=korea")
    assert [article.slug for article in listing.context["articles"]] == ["public"]
    assert client.get("/api/articles/?region=korea").json()["count"] == 1
    experts = {item["slug"]: item["article_count"] for item in client.get("/api/experts/").json()["results"]}
    assert experts == {"weitz": 1, "ghost-writer": 0}
    assert [entry["value"] for entry in listing.context["facets"]["topic"]] == []  # hidden-topic: none
    assert client.get("/en/experts/ghost-writer/").context["page_obj"].paginator.count == 0


@pytest.mark.usefixtures("archive")
def test_no_page_of_the_article_sitemap_names_a_hidden_piece_and_the_public_one_is_listed(client):
    urls = article_urls(client)
    assert "/en/articles/public/" in urls
    assert not any("secret" in url for url in urls)
