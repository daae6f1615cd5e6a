"""What a reader sees of a page's layout: the article's header and the order of its parts, the
filters as a control that says what is active, no choice that cannot change a listing, one search
box on the home page, excerpts marked where they are cut, dates typed as the site writes them, and
the icons and manifest browsers ask for."""

import pytest
from bs4 import BeautifulSoup

from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, on, relate

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def weitz():
    return ExpertFactory(
        name="Richard Weitz",
        slug="richard-weitz",
        position="Senior Fellow",
        organisation="Hudson Institute",
        bio="<p>Writes on Russian, Asian &amp; American security policy.</p>",
    )


def test_the_article_header_names_the_author_once_with_portrait_position_and_date(client, weitz):
    other = ArticleFactory(title="An earlier piece", authors=[weitz], category=None)
    article = ArticleFactory(
        title="Small Steps", authors=[weitz], published_at=on(2018, 6, 20), category=None
    )
    relate(article, other)
    page = soup(client.get(article.get_absolute_url()))

    header = page.select_one(".article__header")
    author = header.select_one(".byline__author")
    assert author.select_one(".portrait").get_text() == "RW"  # no portrait yet: the initials
    assert author.select_one("a").get_text() == "Richard Weitz"
    assert author.select_one(".byline__affiliation").get_text() == "Senior Fellow, Hudson Institute"
    assert header.select_one(".article__date").get_text(strip=True) == "20 June 2018"
    # The position once: "About the author" says who they are instead.
    assert page.get_text().count("Senior Fellow") == 1
    assert "Asian & American security policy" in page.select_one(".about-authors").get_text()
    # Related articles straight after the body, before the citation box.
    parts = [element["class"][0] for element in page.select(".article__body, .related, .cite")]
    assert parts == ["article__body", "related", "cite"]


def test_an_author_without_a_biography_gets_no_about_box(client):
    article = ArticleFactory(authors=[ExpertFactory(bio="")], category=None)
    assert soup(client.get(article.get_absolute_url())).select_one(".about-authors") is None


def test_a_caption_without_its_picture_is_not_shown(client):
    """The publisher's photo is not here (the Russia Direct sample): its caption would describe
    nothing the reader can see."""
    article = ArticleFactory(image_caption="Talks in Singapore", image_credit="Photo: AP", category=None)
    page = client.get(article.get_absolute_url()).text
    assert "Talks in Singapore" not in page and "Photo: AP" not in page


def test_the_filters_open_from_a_control_that_counts_the_active_ones(client, weitz):
    korea = TopicFactory(slug="korea", name="Korea")
    ArticleFactory(authors=[weitz], topics=[korea], published_at=on(2018, 6, 20))
    ArticleFactory(topics=[korea])

    plain = soup(client.get("/en/articles/"))
    assert plain.select_one("details.filters-panel summary").get_text(strip=True) == "Filter"
    narrowed = soup(client.get("/en/articles/?topic=korea&expert=richard-weitz"))
    assert narrowed.select_one("details.filters-panel summary").get_text(" ", strip=True) == "Filter 2 active"
    assert narrowed.select_one("details.filters-panel").has_attr("open") is False  # results first


def test_no_choice_that_cannot_change_the_listing(client, weitz):
    asia = TopicFactory(slug="asia", name="Asia", kind="region")
    korea = TopicFactory(slug="korea", name="Korea", kind="region", parent=asia)
    ArticleFactory(authors=[weitz], topics=[korea])
    ArticleFactory(authors=[weitz, ExpertFactory(name="Mei Tanaka")], topics=[korea])

    profile = soup(client.get("/en/experts/richard-weitz/"))
    names = profile.select_one(".filters").get_text(" ", strip=True)
    assert "Richard Weitz" not in names  # every piece on his page is his
    assert "Mei Tanaka" in names  # a co-author narrows it
    topic = soup(client.get("/en/topics/korea/"))
    assert topic.select("input[name=region]") == []  # Korea and Asia: every piece listed has both
    # Chosen, a choice stays: it is how the reader takes it back.
    chosen = soup(client.get("/en/articles/?region=korea"))
    assert [box["value"] for box in chosen.select("input[name=region][checked]")] == ["korea"]


def test_the_home_page_has_one_search_box(client):
    home = soup(client.get("/en/"))
    assert len(home.select("input[type=search]")) == 1
    assert len(soup(client.get("/en/articles/")).select("form[role=search]")) == 1


def test_a_search_excerpt_cut_mid_sentence_is_marked_at_both_ends(client):
    ArticleFactory(
        title="Verification",
        lead="",
        body="<p>"
        + "Summits make headlines and words fill the air. " * 12
        + "Inspectors at known sites are what verification agreements need in practice, and then "
        + "many more quiet years of work follow after that. " * 10
        + "</p>",
    )
    snippet = soup(client.get("/en/search/?q=inspectors")).select_one(".card__snippet").get_text()
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "Inspectors" in snippet


@pytest.mark.parametrize(
    ("typed", "language"),
    [("1 May 2017", "en"), ("1 мая 2017", "ru"), ("2017-05-01", "en"), ("1 may 2017", "ru")],
)
def test_dates_are_typed_as_the_site_writes_them(client, typed, language):
    ArticleFactory(title="Before", language=language, published_at=on(2017, 4, 30))
    ArticleFactory(title="After", language=language, published_at=on(2017, 5, 1))

    page = soup(client.get(f"/{language}/articles/", {"date_from": typed}))

    assert [title.get_text() for title in page.select(".card__title")] == ["After"]
    chip = page.select_one(".active-filters .chip").get_text(" ", strip=True)
    assert ("1 May 2017" if language == "en" else "1 мая 2017") in chip
    removed = page.select_one(".active-filters .chip")["href"]
    assert "date_from" not in removed  # taking the filter back works however it was typed


def test_the_date_inputs_say_how_to_write_a_date(client):
    page = soup(client.get("/en/articles/"))
    date_from = page.select_one("#filter-date-from")
    assert date_from["type"] == "text"
    assert "20 June" in page.select_one(f"#{date_from['aria-describedby']}").get_text()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/favicon.ico", "image/x-icon"),
        ("/apple-touch-icon.png", "image/png"),
        ("/site.webmanifest", "application/manifest+json"),
        ("/icon-192.png", "image/png"),
    ],
)
def test_the_icons_browsers_ask_for_are_there(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type


def test_every_page_names_its_icons_and_manifest(client):
    head = soup(client.get("/en/")).head
    assert head.select_one('link[rel=icon][type="image/svg+xml"]')["href"].endswith(".svg")
    assert head.select_one("link[rel=apple-touch-icon]")["href"] == "/apple-touch-icon.png"
    assert head.select_one("link[rel=manifest]")["href"] == "/site.webmanifest"


def test_a_subtopic_whose_parent_is_left_out_is_not_indented_under_nothing(client, settings):
    """The parent every result is under changes nothing and is left out; its subtopics move up."""
    settings.PAGE_CACHE_SECONDS = 0
    security = TopicFactory(name="International Security", slug="security")
    for name in ("Missile Defense", "Non-Proliferation"):
        ArticleFactory(title=f"Nuclear {name}", topics=[TopicFactory(name=name, parent=security)])
    items = soup(client.get("/en/search/?q=nuclear")).select("li.facet__item")

    shown = {" ".join(item.get_text(" ", strip=True).split()[:2]): item.get("class") for item in items}
    assert "International Security" not in " ".join(shown)
    assert shown["Missile Defense"] == ["facet__item", "depth-0"]
