"""Every page type says what it is: title, description, canonical link, social cards and JSON-LD."""

import json

import pytest
from bs4 import BeautifulSoup

from articles.models import Topic
from tests.factories import ArticleFactory, CategoryFactory, ExpertFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    """One of each thing a page is about."""
    asia = TopicFactory(slug="asia", name="Asia", kind=Topic.Kind.REGION)
    korea = TopicFactory(slug="korea", name="Korean Peninsula", kind=Topic.Kind.REGION, parent=asia)
    weitz = ExpertFactory(
        slug="richard-weitz",
        name="Richard Weitz",
        position="Senior Fellow",
        organisation="Hudson Institute",
        bio="<p>Writes on <em>security</em>.</p>",
    )
    weitz.links.create(label="Homepage", url="https://weitz.example/")
    article = ArticleFactory(
        slug="thaad",
        title="THAAD and the limits of alliance reassurance",
        lead="Missile defense on the Korean Peninsula.",
        authors=[weitz],
        topics=[korea],
        category=CategoryFactory(slug="expert-opinions", name="Expert Opinions"),
        source=SourceFactory(slug="valdai", name="Valdai Discussion Club"),
    )
    return article


PAGES = {
    "home": ("/en/", "WebSite"),
    "article list": ("/en/articles/", "CollectionPage"),
    "search": ("/en/search/?q=THAAD", "SearchResultsPage"),
    "article": ("/en/articles/thaad/", "Article"),
    "topics": ("/en/topics/", "CollectionPage"),
    "topic": ("/en/topics/korea/", "CollectionPage"),
    "category": ("/en/categories/expert-opinions/", "CollectionPage"),
    "source": ("/en/sources/valdai/", "CollectionPage"),
    "experts": ("/en/experts/", "CollectionPage"),
    "expert": ("/en/experts/richard-weitz/", "ProfilePage"),
}


def head(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return BeautifulSoup(response.content, "html.parser")


def meta(soup, key):
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return tag["content"] if tag else None


def json_ld(soup):
    return [json.loads(script.string) for script in soup.find_all("script", type="application/ld+json")]


@pytest.mark.usefixtures("site")
def test_every_page_type_has_a_unique_title_and_full_metadata(client):
    titles = {}
    for name, (url, main_type) in PAGES.items():
        soup = head(client, url)
        title = soup.title.string
        assert title.endswith("Expert Opinions"), name
        titles.setdefault(title, []).append(name)
        assert meta(soup, "description"), name
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical == "http://testserver" + url.split("?")[0], name
        assert meta(soup, "og:url") == canonical
        assert meta(soup, "og:title") and meta(soup, "og:description") and meta(soup, "og:type"), name
        assert meta(soup, "og:site_name") == "Expert Opinions"
        assert meta(soup, "twitter:card") in {"summary", "summary_large_image"}
        assert meta(soup, "twitter:title") == meta(soup, "og:title")
        data = json_ld(soup)
        assert data and all(item["@context"] == "https://schema.org" for item in data), name
        assert data[0]["@type"] == main_type, name
        # JSON-LD is the only kind of script a page carries (a strict CSP has nothing to allow).
        assert {script.get("type") for script in soup.find_all("script")} == {"application/ld+json"}, name
    assert all(len(pages) == 1 for pages in titles.values()), titles


@pytest.mark.usefixtures("site")
def test_a_second_page_of_a_listing_has_its_own_title_and_canonical_link(client):
    for _ in range(25):
        ArticleFactory()
    first, second = head(client, "/en/articles/"), head(client, "/en/articles/?page=2&sort=oldest")
    assert first.title.string != second.title.string
    assert "page 2" in second.title.string
    assert second.find("link", rel="canonical")["href"] == "http://testserver/en/articles/?page=2"


def test_an_article_is_an_article_by_people(client, site):
    soup = head(client, "/en/articles/thaad/")
    article, trail = json_ld(soup)

    assert article["@type"] == "Article"
    assert article["headline"] == "THAAD and the limits of alliance reassurance"
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Richard Weitz",
            "url": "http://testserver/en/experts/richard-weitz/",
            "jobTitle": "Senior Fellow",
            "worksFor": {"@type": "Organization", "name": "Hudson Institute"},
        }
    ]
    assert article["datePublished"] == site.published_at.isoformat()
    assert article["mainEntityOfPage"]["@id"] == "http://testserver/en/articles/thaad/"
    assert article["articleSection"] == "Expert Opinions"
    assert article["keywords"] == ["Korean Peninsula"]
    assert article["publisher"]["@type"] == "Organization"
    assert article["sourceOrganization"]["name"] == "Valdai Discussion Club"
    assert meta(soup, "og:type") == "article"
    assert meta(soup, "description") == "Missile defense on the Korean Peninsula."
    assert trail["@type"] == "BreadcrumbList"
    assert [item["name"] for item in trail["itemListElement"]] == [
        "Home",
        "Articles",
        "Expert Opinions",
        "THAAD and the limits of alliance reassurance",
    ]
    assert [item["position"] for item in trail["itemListElement"]] == [1, 2, 3, 4]


@pytest.mark.usefixtures("site")
def test_an_expert_page_is_a_profile_of_a_person(client):
    soup = head(client, "/en/experts/richard-weitz/")
    profile, trail = json_ld(soup)

    assert profile["@type"] == "ProfilePage"
    person = profile["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Richard Weitz"
    assert person["worksFor"] == {"@type": "Organization", "name": "Hudson Institute"}
    assert person["description"] == "Writes on security."
    assert person["sameAs"] == ["https://weitz.example/"]
    assert person["knowsAbout"] == ["Korean Peninsula"]
    assert meta(soup, "og:type") == "profile"
    assert [item["name"] for item in trail["itemListElement"]] == ["Home", "Experts", "Richard Weitz"]


@pytest.mark.usefixtures("site")
def test_a_topic_page_has_its_place_in_the_tree_as_breadcrumbs(client):
    _, trail = json_ld(head(client, "/en/topics/korea/"))
    assert [item["name"] for item in trail["itemListElement"]] == [
        "Home",
        "Topics",
        "Asia",
        "Korean Peninsula",
    ]
    assert trail["itemListElement"][-1]["item"] == "http://testserver/en/topics/korea/"


def test_stored_text_cannot_break_out_of_the_json_ld(client):
    ArticleFactory(slug="hostile", title='</script><script>alert("x")</script>', lead="<!-- & -->")
    response = client.get("/en/articles/hostile/")
    soup = BeautifulSoup(response.content, "html.parser")

    assert "<script>alert" not in response.text
    article = json_ld(soup)[0]
    assert article["name"] == '</script><script>alert("x")</script>'
    assert article["description"] == "<!-- & -->"


def test_the_404_page_has_its_own_title(client):
    soup = head(client, "/en/articles/no-such-piece/", status=404)
    assert soup.title.string == "Page not found · Expert Opinions"
    assert meta(soup, "description")
