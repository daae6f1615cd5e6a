"""The read-only JSON API: published content only, the site's own filters, a valid OpenAPI schema."""

import pytest
import yaml
from django.http import QueryDict
from django.utils.translation import override
from openapi_spec_validator import validate

from articles.filters import ArticleFilterSet
from articles.models import Article, Topic
from experts.models import Expert
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    on,
    relate,
    scheduled,
)

pytestmark = pytest.mark.django_db


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def archive(db):
    """A small archive with one of each filter's values, and drafts that must not show."""
    asia = TopicFactory(slug="asia", name="Asia", kind=Topic.Kind.REGION)
    korea = TopicFactory(slug="korea", name="Korea", kind=Topic.Kind.REGION, parent=asia)
    defense = TopicFactory(slug="missile-defense", name="Missile Defense")
    weitz = ExpertFactory(slug="weitz", name="Richard Weitz")
    toloraya = ExpertFactory(slug="toloraya", name="Georgy Toloraya")
    opinions = CategoryFactory(slug="opinions")
    valdai = SourceFactory(slug="valdai")
    ArticleFactory(
        slug="thaad",
        title="THAAD deployment in Korea",
        body="<p>Missile defense batteries.</p>",
        authors=[weitz],
        topics=[korea, defense],
        category=opinions,
        source=valdai,
        published_at=on(2017, 3, 7),
    )
    ArticleFactory(
        slug="summit",
        title="A summit in Singapore",
        authors=[toloraya, weitz],
        topics=[asia],
        published_at=on(2018, 6, 12),
    )
    ArticleFactory(slug="energy", title="Gas pipelines", topics=[defense], published_at=on(2021, 9, 27))
    draft(slug="secret", title="THAAD draft", authors=[weitz], topics=[korea])
    scheduled(slug="future", title="THAAD future", authors=[weitz])


def slugs(data):
    return [item["slug"] for item in data["results"]]


@pytest.mark.usefixtures("archive")
def test_the_article_list_is_published_articles_newest_first(client):
    data = get(client, "/api/articles/")
    assert slugs(data) == ["energy", "summit", "thaad"]
    assert data["count"] == 3
    assert data["count_is_capped"] is False
    assert data["next"] is None


@pytest.mark.usefixtures("archive")
def test_the_whole_archive_is_counted_as_stored_in_each_language(client):
    """Unfiltered, the list's count is the archive's stored count in the language listed
    (articles.tallies), read, not counted: counting read 10,001 articles by date for their
    language at a million."""
    ArticleFactory(slug="russian", language="ru")
    published = Article.objects.published()
    with override("en"):
        english = ArticleFilterSet(QueryDict(""), queryset=published).count_paging()
        every = ArticleFilterSet(QueryDict("language=all"), queryset=published).count_paging()

    assert english == {"known_count": 3} and every == {"known_count": 4}
    assert get(client, "/api/articles/?page_size=1")["count"] == 3
    assert get(client, "/api/articles/?language=all&page_size=1")["count"] == 4


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize(
    "query",
    [
        "region=asia",
        "region=korea",
        "topic=missile-defense",
        "expert=weitz",
        "expert=weitz&region=korea",
        "category=opinions",
        "source=valdai",
        "date_from=2018-01-01",
        "date_to=2018-06-12",
        "year=2017",
        "sort=oldest",
        "q=THAAD",
        "q=missile+defenses",
        "q=Weitz&sort=oldest",
        'q="summit in Singapore"',
    ],
)
def test_the_api_filters_and_searches_as_the_site_does(client, query):
    site = [article.slug for article in client.get(f"/en/articles/?{query}").context["articles"]]
    assert slugs(get(client, f"/api/articles/?{query}")) == site
    assert site  # every query here finds something, so the comparison means something


@pytest.mark.usefixtures("archive")
def test_a_search_gives_each_result_its_highlighted_passage(client):
    (result,) = get(client, "/api/articles/?q=batteries")["results"]
    assert "<mark>batteries</mark>" in result["snippet"].lower()
    assert get(client, "/api/articles/")["results"][0]["snippet"] is None


@pytest.mark.usefixtures("archive")
def test_an_article_in_full(client):
    data = get(client, "/api/articles/thaad/")

    assert data["title"] == "THAAD deployment in Korea"
    assert data["body"] == "<p>Missile defense batteries.</p>"
    assert data["published_at"] == "2017-03-07T12:00:00Z"
    assert [author["name"] for author in data["authors"]] == ["Richard Weitz"]
    assert data["authors"][0]["url"] == "http://testserver/api/experts/weitz/"
    assert data["authors"][0]["web_url"] == "http://testserver/en/experts/weitz/"
    assert {topic["slug"] for topic in data["topics"]} == {"korea", "missile-defense"}
    assert data["category"]["slug"] == "opinions"
    assert data["source"]["slug"] == "valdai"
    assert data["web_url"] == "http://testserver/en/articles/thaad/"
    assert data["image"] is None
    listing = client.get("/en/articles/thaad/").context["related"]
    # Only pieces on its most specific topic, Korea (not those on Asia or Missile Defense alone).
    assert [item["slug"] for item in data["related"]] == [item.article.slug for item in listing] == []


@pytest.mark.usefixtures("archive")
def test_an_articles_related_are_the_sites_nearest_first(client):
    korea = Topic.objects.get(slug="korea")
    ArticleFactory(slug="talks", topics=[korea], published_at=on(2017, 5, 1))
    ArticleFactory(slug="older-talks", topics=[korea], published_at=on(2015, 5, 1))

    data = get(client, "/api/articles/thaad/")

    listing = client.get("/en/articles/thaad/").context["related"]
    assert [item["slug"] for item in data["related"]] == [item.article.slug for item in listing]
    assert [item["slug"] for item in data["related"]] == ["talks", "older-talks"]


def test_related_articles_follow_the_site_rules(client):
    article, picked, hidden = ArticleFactory(slug="main"), ArticleFactory(slug="picked"), draft(slug="hidden")
    relate(article, hidden, picked)
    assert [item["slug"] for item in get(client, "/api/articles/main/")["related"]] == ["picked"]


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize("slug", ["secret", "future", "no-such-article"])
def test_drafts_scheduled_and_unknown_articles_are_404(client, slug):
    assert "detail" in get(client, f"/api/articles/{slug}/", status=404)


@pytest.mark.usefixtures("archive")
def test_experts_with_their_published_article_counts(client):
    data = get(client, "/api/experts/")
    counts = {item["slug"]: item["article_count"] for item in data["results"]}
    assert counts == {"toloraya": 1, "weitz": 2}  # Weitz's draft and scheduled piece don't count
    weitz = get(client, "/api/experts/weitz/")
    assert weitz["article_count"] == 2
    assert weitz["articles_url"] == "http://testserver/api/articles/?expert=weitz"
    assert slugs(get(client, weitz["articles_url"].removeprefix("http://testserver"))) == ["summit", "thaad"]


@pytest.mark.usefixtures("archive")
def test_experts_filter_as_on_the_experts_page(client):
    assert slugs(get(client, "/api/experts/?letter=T")) == ["toloraya"]


@pytest.mark.usefixtures("archive")
def test_topics_with_their_place_in_the_tree(client):
    data = get(client, "/api/topics/")
    parents = {item["slug"]: item["parent"] for item in data["results"]}
    assert parents == {"asia": None, "korea": "asia", "missile-defense": None}
    korea = get(client, "/api/topics/korea/")
    assert korea["articles_url"] == "http://testserver/api/articles/?region=korea"
    assert slugs(get(client, "/api/topics/?kind=theme")) == ["missile-defense"]


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize(
    "url",
    [
        "/api/articles/?date_from=yesterday",
        "/api/articles/?topic=no-such-topic",
        "/api/articles/?year=twenty",
        "/api/articles/?sort=random",
        "/api/articles/?page=abc",
        "/api/articles/?page=0",
        "/api/articles/?q=" + "x" * 1000,
        "/api/experts/?topic=nothing",
        "/api/topics/?kind=planet",
    ],
)
def test_bad_input_is_a_400_with_a_json_explanation(client, url):
    data = get(client, url, status=400)
    assert data and all(isinstance(messages, list) for messages in data.values())


@pytest.mark.usefixtures("archive")
def test_a_page_past_the_end_is_a_404(client):
    assert get(client, "/api/articles/?page=9", status=404)["detail"]


@pytest.mark.usefixtures("archive")
def test_pages_are_linked_and_sized_within_limits(client):
    first = get(client, "/api/articles/?page_size=2")
    assert slugs(first) == ["energy", "summit"]
    assert slugs(get(client, first["next"].removeprefix("http://testserver"))) == ["thaad"]
    assert len(get(client, "/api/articles/?page_size=100000")["results"]) == 3  # capped at 100, quietly


@pytest.mark.usefixtures("archive")
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, method):
    for url in ("/api/articles/", "/api/articles/thaad/", "/api/experts/weitz/"):
        response = getattr(client, method)(url, data={}, content_type="application/json")
        assert response.status_code in (403, 405), (method, url)
    assert get(client, "/api/articles/thaad/")["title"] == "THAAD deployment in Korea"


def test_staff_see_in_the_api_only_what_readers_see(client, editor):
    draft(slug="secret")
    client.force_login(editor)
    assert slugs(get(client, "/api/articles/")) == []
    get(client, "/api/articles/secret/", status=404)


def test_the_openapi_schema_is_valid_and_describes_every_endpoint(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    assert {"/api/articles/", "/api/articles/{slug}/", "/api/experts/", "/api/experts/{slug}/"} <= set(
        schema["paths"]
    )
    assert {"/api/topics/", "/api/topics/{slug}/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/articles/"]["get"]["parameters"]}
    filters = {"q", "topic", "region", "expert", "category", "source", "date_from", "date_to", "year", "sort"}
    assert filters <= parameters


def test_the_documentation_page_serves_swagger_ui_from_our_own_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html and "<script>" not in html  # nothing inline for a CSP to allow
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_the_article_list_takes_the_same_queries_for_1_or_21_results(client, count_queries):
    topic = TopicFactory(slug="t")
    ArticleFactory(title="One piece", topics=[topic], authors=[ExpertFactory()])
    one = count_queries("/api/articles/?q=piece&topic=t")
    for number in range(20):
        ArticleFactory(title=f"Piece {number}", topics=[topic, TopicFactory()], authors=[ExpertFactory()])
    assert count_queries("/api/articles/?q=piece&topic=t") == one


def test_the_expert_list_takes_the_same_queries_for_1_or_21_experts(client, count_queries):
    def expert_with_everything():
        expert = ExpertFactory()
        expert.links.create(label="Homepage", url="https://example.org/")
        expert.topics.add(TopicFactory())
        ArticleFactory(authors=[expert])

    expert_with_everything()
    one = count_queries("/api/experts/")
    for _ in range(20):
        expert_with_everything()
    assert count_queries("/api/experts/") == one


def test_a_body_or_bio_stored_before_the_image_rule_tightened_reaches_no_consumer_with_it(client):
    """`/\\evil.example` is `//evil.example` to a browser; the CSP guards our pages, not the API's readers."""
    article = ArticleFactory(slug="old-row")
    expert = ExpertFactory(slug="old-bio")
    hostile = '<p>x</p><img src="/\\evil.example/t.gif" alt="t">'
    Article.objects.filter(pk=article.pk).update(body=hostile)  # a row as an older version stored it
    Expert.objects.filter(pk=expert.pk).update(bio=hostile)

    body = client.get("/api/articles/old-row/").json()["body"]
    bio = client.get("/api/experts/old-bio/").json()["bio"]

    assert body == bio == '<p>x</p><img alt="t">'


def test_a_common_words_best_matches_are_counted_as_capped(client, monkeypatch):
    """Past search.MATCH_LIMIT matches the API lists the best, as the site does, and says the count
    stops there rather than giving the number listed as the number found."""
    from articles import search

    title_match = ArticleFactory(title="Sanctions, again")
    for n in range(4):
        ArticleFactory(title=f"Outlook {n}", body="<p>In passing, sanctions.</p>")
    monkeypatch.setattr(search, "MATCH_LIMIT", 2)

    found = client.get("/api/articles/", {"q": "sanctions"}).json()

    assert found["count"] == 2 and found["count_is_capped"]
    assert found["results"][0]["title"] == title_match.title
    by_date = client.get("/api/articles/", {"q": "sanctions", "sort": "newest"}).json()
    assert by_date["count"] == 5 and not by_date["count_is_capped"]
