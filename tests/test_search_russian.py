"""Search in Russian and across languages, as readers use it; the same tests on SQLite (Snowball
stems in the FTS5 table) and PostgreSQL (each article with its language's configuration)."""

import pytest
from bs4 import BeautifulSoup

from articles import search
from articles.models import Article
from tests.factories import ArticleFactory, ExpertFactory

pytestmark = pytest.mark.django_db

NEGOTIATIONS = (
    "<p>Выход из тупика лежит в многосторонних переговорах. Развёртывание комплекса THAAD осложнило дело.</p>"
)


def found(text, language=""):
    return [article.title for article in search.search(Article.objects.published(), text, language)]


@pytest.fixture
def russian():
    return ArticleFactory(
        title="Корейский узел: переговоры с участием России и Китая",
        slug="",
        language="ru",
        lead="Санкции против Пхеньяна достигли предела, пишет эксперт.",
        body=NEGOTIATIONS + "<p>Совет Безопасности принял два пакета санкций. Корея ждёт.</p>",
    )


@pytest.fixture
def english():
    return ArticleFactory(
        title="Sanctions and negotiations on Korea",
        lead="Negotiating with Pyongyang.",
        body="<p>THAAD in Korea changed the talks.</p>",
    )


@pytest.mark.parametrize("word", ["переговорах", "переговоров", "Переговоры", "ПЕРЕГОВОРЫ"])
def test_any_inflected_form_finds_the_others(russian, word):
    assert found(word, "ru") == [russian.title]


@pytest.mark.parametrize("word", ["санкциям", "санкций", "санкции"])
def test_sanctions_in_any_case(russian, word):
    assert found(word, "ru") == [russian.title]


@pytest.mark.parametrize("word", ["развертывание", "развёртывание", "ждет", "ждёт"])
def test_yo_and_ye_are_alike(russian, word):
    assert found(word, "ru") == [russian.title]


def test_a_mixed_language_query_works(russian, english):
    assert found("THAAD Корея", "ru") == [russian.title]
    assert found("THAAD Korea", "en") == [english.title]
    assert set(found("THAAD", "")) == {english.title, russian.title}


def test_a_search_in_all_languages_reads_the_query_in_each(russian, english):
    assert found("переговорах") == [russian.title]
    assert found("negotiation") == [english.title]


def test_the_page_searches_its_own_language_unless_asked(client, russian, english):
    def titles(url, **params):
        page = BeautifulSoup(client.get(url, params).content, "html.parser")
        return [link.get_text(strip=True) for link in page.select(".card__title a")]

    assert titles("/ru/search/", q="переговорах") == [russian.title]
    assert titles("/en/search/", q="переговорах") == []
    assert titles("/en/search/", q="переговорах", language="all") == [russian.title]
    assert titles("/ru/search/", q="sanctions", language="all") == [english.title]


def test_snippets_highlight_the_words_as_written(client, russian):
    page = BeautifulSoup(client.get("/ru/search/", {"q": "переговорах санкциям"}).content, "html.parser")
    snippet = page.select_one(".card__snippet")
    marked = {mark.get_text() for mark in snippet.select("mark")}

    assert marked <= {"переговорах", "санкций", "Санкции", "переговоры"} and marked
    assert "переговор " not in snippet.get_text()  # never a stem


def test_experts_are_found_by_their_name_in_either_language(russian):
    weitz = ExpertFactory(name="Richard Weitz", translations={"ru": {"name": "Ричард Вайц"}})
    piece = ArticleFactory(title="Корея и США", slug="", language="ru", authors=[weitz])

    assert found("Вайц", "ru") == [piece.title]
    assert found("Weitz", "ru") == [piece.title]


@pytest.mark.parametrize("article_language", ["ru", "en"])
@pytest.mark.parametrize("word", ["Белов", "Белова", "Белову", "Беловым", "белове"])
def test_an_experts_surname_in_any_case_finds_their_pieces(article_language, word):
    """Snowball reads "-ов" as an ending: "Белов" stems to "бел" but "Белова" to "белов", so a
    reader asking for the pieces "Белова" (his) found none of them."""
    belov = ExpertFactory(name="Igor Belov", translations={"ru": {"name": "Игорь Белов"}})
    piece = ArticleFactory(title="Арктика", slug="", language=article_language, authors=[belov])
    ArticleFactory(title="Белые ночи", slug="", language="ru", body="<p>Белые ночи.</p>")

    assert piece.title in found(word, "")
    assert piece.title in found(word, article_language)


def test_did_you_mean_works_on_cyrillic_words(russian):
    assert search.did_you_mean("переговорв") in {"переговорах", "переговоры", "переговоров"}
    assert search.did_you_mean("переговорах") is None  # a known word is left alone


def test_the_experts_box_finds_a_name_in_either_language_and_any_case(client):
    ExpertFactory(name="Richard Weitz", slug="weitz", translations={"ru": {"name": "Ричард Вайц"}})
    ExpertFactory(name="Анна Соколова", slug="sokolova")

    def experts(query, prefix="ru"):
        page = BeautifulSoup(client.get(f"/{prefix}/search/", {"q": query}).content, "html.parser")
        return [link.get_text() for link in page.select(".experts-found .expert-card__name")]

    assert experts("вайц корея") == ["Ричард Вайц"]
    assert experts("WEITZ") == ["Ричард Вайц"]
    assert experts("Weitz", "en") == ["Richard Weitz"]
    assert experts("соколова") == ["Анна Соколова"]


def test_a_russian_name_given_later_finds_the_experts_pieces(run_tasks):
    weitz = ExpertFactory(name="Richard Weitz")
    piece = ArticleFactory(title="Korea", authors=[weitz])
    assert found("Вайц", "en") == []

    weitz.translations = {"ru": {"name": "Ричард Вайц"}}
    weitz.save()
    run_tasks()  # the worker indexes their pieces again

    assert found("Вайц", "en") == [piece.title]


def test_the_russian_or_is_an_or_as_the_english_one_is():
    sanctions = ArticleFactory(title="Санкции", slug="", language="ru", body="<p>Санкции.</p>")
    summit = ArticleFactory(title="Саммит", slug="", language="ru", body="<p>Саммит.</p>")

    assert sorted(found("санкции или саммит", "ru")) == sorted([sanctions.title, summit.title])
    assert sorted(found("санкции or саммит", "ru")) == sorted([sanctions.title, summit.title])
    assert found("санкции саммит", "ru") == []
