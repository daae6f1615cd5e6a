"""Cite an article: BibTeX, RIS and plain text that reference managers read back correctly."""

from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy

from tests.factories import ArticleFactory, ExpertFactory, SourceFactory, TopicFactory, draft

pytestmark = pytest.mark.django_db

URL = "http://testserver/en/articles/thaad/"


@pytest.fixture
def article(db):
    return ArticleFactory(
        slug="thaad",
        title="THAAD & Korea: 100% {reassurance}?",
        lead="Missile defense on the Korean Peninsula.",
        published_at=datetime(2017, 3, 7, 10, tzinfo=UTC),
        authors=[
            ExpertFactory(name="Richard Weitz", last_name="Weitz"),
            ExpertFactory(name="Ole Wæver", last_name="Wæver"),
        ],
        topics=[TopicFactory(name="Missile Defense"), TopicFactory(name="Korean Peninsula")],
        source=SourceFactory(name="Valdai Discussion Club"),
    )


def download(client, style, slug="thaad"):
    response = client.get(f"/en/articles/{slug}/cite/{style}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response


@pytest.mark.usefixtures("article")
def test_bibtex_parses_back_to_the_articles_details(client):
    response = download(client, "bibtex")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="thaad.bib"' in response["Content-Disposition"]

    library = bibtexparser.parse_string(response.content.decode())

    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    assert entry.entry_type == "misc"
    assert entry.key == "weitz2017thaad"
    assert fields["author"] == "Weitz, Richard and Wæver, Ole"
    # Special characters escaped, capitals kept by the extra braces.
    assert fields["title"] == r"{THAAD \& Korea: 100\% \{reassurance\}?}"
    assert (fields["year"], fields["month"], fields["date"]) == ("2017", "mar", "2017-03-07")
    assert fields["url"] == URL
    assert fields["note"] == "First published by Valdai Discussion Club"


@pytest.mark.usefixtures("article")
def test_ris_reads_back_as_a_web_page_record(client):
    response = download(client, "ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response.content.decode().endswith("ER  - \r\n")

    (record,) = rispy.loads(response.content.decode())

    assert record["type_of_reference"] == "ELEC"
    assert record["authors"] == ["Weitz, Richard", "Wæver, Ole"]
    assert record["title"] == "THAAD & Korea: 100% {reassurance}?"
    assert (record["year"], record["date"]) == ("2017", "2017/03/07")
    assert record["abstract"] == "Missile defense on the Korean Peninsula."
    assert record["keywords"] == ["Korean Peninsula", "Missile Defense"]
    assert record["publisher"] == "Valdai Discussion Club"
    assert record["urls"] == [URL]


@pytest.mark.usefixtures("article")
def test_plain_text_reads_like_a_chicago_reference(client):
    text = download(client, "text").content.decode()
    assert text == (
        "Weitz, Richard, and Ole Wæver. “THAAD & Korea: 100% {reassurance}?” Expert Opinions, "
        f"March 7, 2017. First published by Valdai Discussion Club. {URL}."
    )


def test_the_article_page_offers_the_citation_and_its_downloads(client, article):
    html = client.get("/en/articles/thaad/").text
    assert "Cite this article" in html
    assert "Weitz, Richard, and Ole Wæver." in html
    for style in ("bibtex", "ris", "text"):
        assert f'href="/en/articles/thaad/cite/{style}/" download' in html


def test_a_draft_cannot_be_cited_by_a_reader(client):
    draft(slug="secret")
    assert client.get("/en/articles/secret/cite/text/").status_code == 404


def test_an_article_without_an_author_is_still_citable(client):
    ArticleFactory(slug="unsigned", title="Unsigned piece")
    text = download(client, "text", "unsigned").content.decode()
    assert text.startswith("“Unsigned piece.” Expert Opinions,")
    library = bibtexparser.parse_string(download(client, "bibtex", "unsigned").content.decode())
    assert library.entries[0].key.startswith("anon")


@pytest.mark.usefixtures("article")
@pytest.mark.parametrize("url", ["/en/articles/thaad/cite/docx/", "/en/articles/nothing/cite/ris/"])
def test_an_unknown_format_or_article_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_a_russian_page_cites_in_russian(client):
    source = SourceFactory(name="Valdai Discussion Club", translations={"ru": {"name": "Клуб «Валдай»"}})
    ArticleFactory(
        slug="koreysky-uzel",
        language="ru",
        title="Корейский узел",
        published_at=datetime(2019, 9, 7, 10, tzinfo=UTC),
        authors=[
            ExpertFactory(name="Richard Weitz", last_name="Weitz"),
            ExpertFactory(name="Ivan Petrov", translations={"ru": {"name": "Иван Петров"}}),
        ],
        source=source,
    )
    html = client.get("/ru/articles/koreysky-uzel/").text

    assert (
        "Weitz, Richard и Иван Петров. «Корейский узел.» Мнения экспертов, 7 сентября 2019. "
        "Впервые опубликовано: Клуб «Валдай»." in html.replace("&laquo;", "«").replace("&raquo;", "»")
    )
    assert "Простой текст" in html and "Plain text" not in html and "September" not in html
