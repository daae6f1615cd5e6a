"""Russian and English: prefixes and redirects, the switcher, versions of a piece, the interface
in Russian, listings in the page's language, Cyrillic slugs. Search in Russian is in
tests/test_search_russian.py, the Russian page importer in tests/test_import_pages.py."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from articles.models import Article
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, relate
from tests.sitemaps import alternates, article_alternates

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def titles(response):
    return [link.get_text(strip=True) for link in soup(response).select(".card__title a")]


@pytest.fixture
def piece():
    """An English original and its Russian version, one expert and one topic."""
    weitz = ExpertFactory(
        name="Richard Weitz", slug="richard-weitz", translations={"ru": {"name": "Ричард Вайц"}}
    )
    korea = TopicFactory(
        name="Korean Peninsula", slug="korea", translations={"ru": {"name": "Корейский полуостров"}}
    )
    original = ArticleFactory(
        title="Russia and the US in Korea", slug="russia-us-korea", authors=[weitz], topics=[korea]
    )
    version = ArticleFactory(
        title="Россия и США в Корее",
        slug="",
        language="ru",
        translation_of=original,
        authors=[weitz],
        topics=[korea],
        published_at=datetime(2017, 4, 18, 9, tzinfo=UTC),
    )
    return original, version


# Prefixes and redirects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("ru,en;q=0.5", None, "/ru/"),
        ("en-GB,en;q=0.9", None, "/en/"),
        ("de", None, "/en/"),
        ("ru", "en", "/en/"),
    ],
)
def test_the_home_address_sends_readers_to_their_language(client, accept, cookie, expected):
    if cookie:
        client.cookies["django_language"] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 301
    assert response["Location"] == expected
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_old_unprefixed_links_keep_working(client, piece):
    response = client.get("/articles/russia-us-korea/?utm=x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 301
    assert response["Location"] == "/en/articles/russia-us-korea/?utm=x"
    assert (
        client.get("/experts/richard-weitz/", HTTP_ACCEPT_LANGUAGE="ru")["Location"]
        == "/ru/experts/richard-weitz/"
    )


def test_an_article_under_another_languages_prefix_goes_to_its_version(client, piece):
    _, version = piece
    assert client.get("/ru/articles/russia-us-korea/")["Location"] == version.get_absolute_url()
    lonely = ArticleFactory(slug="only-in-english")
    assert client.get("/ru/articles/only-in-english/")["Location"] == "/en/articles/only-in-english/"
    assert lonely.get_absolute_url() == "/en/articles/only-in-english/"


def test_the_admin_the_api_and_the_sitemap_have_no_prefix(client, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    assert client.get("/api/articles/").status_code == 200
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/ru/admin/").status_code == 404


# The switcher and the versions of a piece -------------------------------------------------------


def test_the_switcher_remembers_the_choice_and_keeps_the_page(client):
    response = client.get("/language/ru/", {"next": "/en/topics/?page=2"})

    assert response.status_code == 302
    assert response["Location"] == "/ru/topics/?page=2"
    assert response.cookies["django_language"].value == "ru"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == "/ru/"  # the choice wins


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_the_switcher_never_leaves_the_site(client, target):
    assert client.get("/language/en/", {"next": target})["Location"] == "/en/"


def test_an_unknown_language_is_a_404(client):
    assert client.get("/language/xx/").status_code == 404
    assert client.get("/de/articles/", HTTP_ACCEPT_LANGUAGE="de").status_code in (301, 404)


def test_an_article_offers_its_other_version_and_tells_search_engines(client, piece):
    original, version = piece
    page = soup(client.get(original.get_absolute_url()))

    assert page.html["lang"] == "en"
    offer = page.select_one(".article__translation a")
    assert offer.get_text(strip=True) == "Читать на русском"
    assert client.get(offer["href"])["Location"] == version.get_absolute_url()
    alternates = {link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"][hreflang]')}
    assert alternates == {
        "en": "http://testserver/en/articles/russia-us-korea/",
        "ru": f"http://testserver{version.get_absolute_url()}",
        "x-default": "http://testserver/en/articles/russia-us-korea/",
    }
    assert page.select_one('meta[property="og:locale"]')["content"] == "en_GB"
    assert page.select_one('meta[property="og:locale:alternate"]')["content"] == "ru_RU"

    russian = soup(client.get(version.get_absolute_url()))
    assert russian.html["lang"] == "ru"
    assert russian.select_one(".article__translation a").get_text(strip=True) == "Read in English"
    assert russian.select_one('meta[property="og:locale"]')["content"] == "ru_RU"


def test_a_draft_version_is_never_offered(client, piece):
    original, version = piece
    version.unpublish()
    version.save()
    page = soup(client.get(original.get_absolute_url()))

    assert not page.select(".article__translation")
    assert {link["hreflang"] for link in page.select('link[rel="alternate"][hreflang]')} == {
        "en",
        "x-default",
    }


def test_a_version_must_be_in_another_language_and_point_at_the_original(piece):
    from django.core.exceptions import ValidationError

    original, version = piece
    for wrong in (
        Article(title="x", slug="x", language="en", translation_of=original),
        Article(title="x", slug="x", language="ru", translation_of=version),
        Article(title="x", slug="x", language="xx"),
    ):
        with pytest.raises(ValidationError):
            wrong.clean()


# The interface in Russian -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"), [(1, "1 статья"), (3, "3 статьи"), (5, "5 статей"), (21, "21 статья")]
)
def test_counts_take_russian_plural_forms(client, number, words):
    for _ in range(number):
        ArticleFactory(language="ru", slug="")
    summary = (
        soup(client.get("/ru/articles/")).select_one(".results-summary__count").get_text(" ", strip=True)
    )

    assert summary == words


def test_the_interface_dates_and_names_are_in_russian(client, piece):
    original, version = piece
    page = soup(client.get(version.get_absolute_url()))

    assert page.select_one(".site-nav").get_text(" ", strip=True) == "Статьи Эксперты Темы"
    assert page.select_one(".article__date time").get_text() == "18 апреля 2017"
    assert page.select_one(".byline a").get_text() == "Ричард Вайц"
    assert "Корейский полуостров" in page.select_one(".article__topics").get_text()
    assert page.select_one("#cite-heading").get_text() == "Как цитировать"
    # In English, the names as entered.
    english = soup(client.get(original.get_absolute_url()))
    assert english.select_one(".byline a").get_text() == "Richard Weitz"


def test_a_missing_translation_shows_the_name_as_entered(client):
    ExpertFactory(name="Barry Buzan", slug="buzan")
    page = soup(client.get("/ru/experts/buzan/"))

    assert page.h1.get_text() == "Barry Buzan"


def test_the_error_pages_speak_russian(client):
    response = client.get("/ru/no-such-page/")

    assert response.status_code == 404
    assert BeautifulSoup(response.content, "html.parser").h1.get_text() == "Страница не найдена"


# Listings in the page's language ----------------------------------------------------------------


def test_listings_show_the_pages_language_unless_asked_for_all(client, piece):
    original, version = piece

    assert titles(client.get("/en/articles/")) == [original.title]
    assert titles(client.get("/ru/articles/")) == [version.title]
    assert set(titles(client.get("/ru/articles/?language=all"))) == {original.title, version.title}
    assert titles(client.get("/ru/articles/?language=en")) == [original.title]
    assert titles(client.get("/ru/topics/korea/")) == [version.title]
    assert set(titles(client.get("/ru/topics/korea/?language=all"))) == {original.title, version.title}
    assert titles(client.get("/en/")) == [original.title]


def test_an_experts_profile_lists_every_language(client, piece):
    assert len(titles(client.get("/en/experts/richard-weitz/"))) == 2
    assert len(titles(client.get("/ru/experts/richard-weitz/?language=ru"))) == 1


def test_stored_counts_are_kept_per_language(client, piece):
    from articles import tallies
    from articles.models import Tally

    original, version = piece
    korea = original.topics.get()
    assert tallies.count(Tally.Kind.UNDER_TOPIC, korea.pk) == 2
    assert tallies.count(Tally.Kind.UNDER_TOPIC, korea.pk, language="ru") == 1
    version.language = "en"
    version.slug = "russia-and-the-us-in-korea-2"
    version.translation_of = None
    version.save()
    assert tallies.count(Tally.Kind.UNDER_TOPIC, korea.pk, language="ru") == 0
    assert tallies.count(Tally.Kind.UNDER_TOPIC, korea.pk, language="en") == 2
    assert titles(client.get("/en/topics/korea/")) == [original.title, version.title]


def test_feeds_are_in_their_language(client, piece):
    import feedparser

    original, version = piece
    assert [entry.title for entry in feedparser.parse(client.get("/ru/feeds/latest/").content).entries] == [
        version.title
    ]
    english = feedparser.parse(client.get("/en/feeds/latest/").content)
    assert [entry.title for entry in english.entries] == [original.title]
    assert english.feed.language == "en"


def test_the_api_answers_in_the_requested_language(client, piece):
    original, version = piece

    def slugs(**headers):
        return [item["slug"] for item in client.get("/api/articles/", **headers).json()["results"]]

    assert slugs() == [original.slug]
    assert slugs(HTTP_ACCEPT_LANGUAGE="ru") == [version.slug]
    assert {item["slug"] for item in client.get("/api/articles/?language=all").json()["results"]} == {
        original.slug,
        version.slug,
    }


def test_the_sitemap_lists_every_language_with_its_versions(client, piece):
    _, version = piece
    entries = article_alternates(client)

    russian = f"http://testserver{version.get_absolute_url()}"
    assert set(entries) == {"http://testserver/en/articles/russia-us-korea/", russian}
    assert entries[russian] == {
        "en": "http://testserver/en/articles/russia-us-korea/",
        "ru": russian,
        "x-default": "http://testserver/en/articles/russia-us-korea/",
    }
    (profile,) = alternates(client, "/sitemap-experts.xml").values()
    assert profile == {
        "en": "http://testserver/en/experts/richard-weitz/",
        "ru": "http://testserver/ru/experts/richard-weitz/",
        "x-default": "http://testserver/experts/richard-weitz/",
    }


# Slugs -------------------------------------------------------------------------------------------


def test_a_cyrillic_title_gets_a_readable_latin_slug_unique_per_language():
    first = ArticleFactory(title="Переговоры о санкциях", slug="", language="ru")
    second = ArticleFactory(title="Переговоры о санкциях", slug="", language="ru")
    english = ArticleFactory(title="Peregovory o sanktsiyakh", slug="", language="en")

    assert first.slug == "peregovory-o-sanktsiyakh"
    assert second.slug == "peregovory-o-sanktsiyakh-2"
    assert english.slug == "peregovory-o-sanktsiyakh"  # another language: the same slug is free


def test_existing_slugs_never_change_on_save():
    article = ArticleFactory(title="Переговоры", slug="kept-as-it-was", language="ru")
    article.title = "Новые переговоры"
    article.save()

    article.refresh_from_db()
    assert article.slug == "kept-as-it-was"


def test_publishing_a_version_refreshes_the_cached_original(client):
    original = ArticleFactory(slug="original")
    version = ArticleFactory(title="Версия", slug="", language="ru", translation_of=original, status="draft")
    assert not soup(client.get("/en/articles/original/")).select(".article__translation")
    assert client.get("/en/articles/original/")["X-Page-Cache"] == "hit"

    version.publish()
    version.save()  # shares no topic or expert with the original: only the version link ties them
    response = client.get("/en/articles/original/")
    assert response["X-Page-Cache"] == "miss"
    assert soup(response).select(".article__translation")


# The editors' side -------------------------------------------------------------------------------


def test_an_editor_adds_a_version_prefilled_from_the_original(client, editor):
    client.force_login(editor)
    weitz, korea = ExpertFactory(slug="weitz"), TopicFactory(slug="korea")
    other = ArticleFactory(slug="other")
    other_in_russian = ArticleFactory(slug="", title="Другая", language="ru", translation_of=other)
    original = ArticleFactory(slug="original", authors=[weitz], topics=[korea])
    relate(original, other)
    change = BeautifulSoup(
        client.get(f"/admin/articles/article/{original.pk}/change/").content, "html.parser"
    )
    add = change.select_one(".article-versions a.addlink")
    assert add.get_text(strip=True) == "Add Russian version"

    form = BeautifulSoup(client.get(add["href"]).content, "html.parser")
    assert form.select_one('select[name="language"] option[selected]')["value"] == "ru"
    assert form.select_one('select[name="translation_of"] option[selected]')["value"] == str(original.pk)
    assert form.select_one('select[name="article_authors-0-expert"] option[selected]')["value"] == str(
        weitz.pk
    )
    # The related link points at the related piece's Russian version.
    related = form.select_one('select[name="related_links-0-related"] option[selected]')
    assert related["value"] == str(other_in_russian.pk)
    assert [option["value"] for option in form.select('select[name="topics"] option[selected]')] == [
        str(korea.pk)
    ]


def test_the_article_list_shows_and_filters_by_language(client, editor, piece):
    client.force_login(editor)
    page = BeautifulSoup(client.get("/admin/articles/article/?language=ru").content, "html.parser")

    assert [cell.get_text(strip=True) for cell in page.select("td.field-title, th.field-title")] == [
        "Россия и США в Корее"
    ]
    assert [cell.get_text(strip=True) for cell in page.select("td.field-language")] == ["ru"]


def test_the_admin_speaks_russian_to_a_russian_editor(client, editor):
    client.force_login(editor)
    page = BeautifulSoup(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content, "html.parser")

    assert "Мнения экспертов — редакция" in page.select_one("#site-name").get_text()
    assert (
        page.select_one('a[href="/admin/logout/"], form#logout-form button').get_text(strip=True) == "Выйти"
    )


def test_an_editor_gives_an_expert_a_russian_name(client, editor):
    client.force_login(editor)
    expert = ExpertFactory(slug="weitz", name="Richard Weitz")
    response = client.post(
        f"/admin/experts/expert/{expert.pk}/change/",
        {
            "name": "Richard Weitz",
            "slug": "weitz",
            "last_name": "Weitz",
            "position": "Senior Fellow",
            "translation_ru_name": "Ричард Вайц",
            "translation_ru_bio": "<p>Биография</p><script>x()</script>",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    expert.refresh_from_db()
    assert expert.translations == {"ru": {"name": "Ричард Вайц", "bio": "<p>Биография</p>"}}
    page = BeautifulSoup(client.get("/ru/experts/weitz/").content, "html.parser")
    assert page.h1.get_text() == "Ричард Вайц"
