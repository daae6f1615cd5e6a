"""Hostile and oversized input at every public URL: always a page or a clear refusal, never a 5xx.

Hypothesis generates the requests (FUZZ_EXAMPLES per test, 250 by default: over two thousand requests in all
across the tests below); each runs on SQLite and on PostgreSQL with the rest of the suite.
"""

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PAGES = [
    "/", "/articles/", "/search/", "/experts/", "/topics/", "/api/articles/", "/api/experts/",
    "/api/topics/", "/feeds/latest/", "/feeds/latest/atom/", "/sitemap.xml", "/sitemap-articles.xml",
    "/robots.txt", "/api/", "/api/schema/",
]  # fmt: skip
OBJECT_PAGES = [
    "/articles/{}/", "/experts/{}/", "/topics/{}/", "/categories/{}/", "/sources/{}/",
    "/experts/{}/feed/", "/topics/{}/feed/atom/", "/articles/{}/cite/bibtex/", "/api/articles/{}/",
    "/api/experts/{}/", "/api/topics/{}/", "/sitemap-{}.xml",
]  # fmt: skip
PARAMETERS = [
    "q", "topic", "region", "expert", "category", "source", "date_from", "date_to", "year", "sort",
    "page", "page_size", "letter", "organisation", "kind", "format", "cursor",
]  # fmt: skip
KNOWN_VALUES = [
    "asia", "korean-peninsula", "richard-weitz", "expert-opinions", "2017", "2017-05-30", "relevance",
    "oldest", "newest", "1", "2", "0", "-1", "99999999999999999999", "last", "json", "W", "1e309",
]  # fmt: skip
TRICKY = st.sampled_from(
    [
        '"',
        "'",
        '"unclosed',
        "-",
        "--",
        "or",
        "OR",
        "and",
        "NOT",
        "*",
        "^",
        "(",
        ")",
        "\\",
        "%",
        "_",
        "' OR 1=1 --",
        "'; DROP TABLE articles_article; --",
        "<script>alert(1)</script>",
        "&amp;",
        "🙂",
        "👩🏽‍🔬",
        "\u202e",
        "\ufeff",
        "Wæver",
        "«»",
        "—",
        "…",
        "\x00",
        "\x1f",
        "NEAR(a b)",
        "a:b",
        "title:thaad",
        "{",
        "}",
        "[",
        "]",
        "$",
        "~",
        "0x41",
        "%00",
        "%ZZ",
        "..",
        "../../etc/passwd",
    ]
)
TEXT = st.one_of(
    st.sampled_from(KNOWN_VALUES),
    TRICKY,
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=300),
    st.lists(TRICKY, min_size=1, max_size=6).map(" ".join),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
QUERY = st.lists(st.tuples(st.sampled_from(PARAMETERS) | st.text(max_size=10), TEXT), max_size=8)


def assert_answered(client, path, query=()):
    response = client.get(path, list(query) and _as_dict(query))
    assert response.status_code < 500, (path, query, response.status_code)
    body = response.content
    assert b"Traceback" not in body and b"Exception Value" not in body, (path, query)
    return response


def _as_dict(pairs):
    data = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


@fuzz
@given(path=st.sampled_from(PAGES), query=QUERY)
def test_any_query_string_on_any_listing_gets_an_answer(client, demo, path, query):
    assert_answered(client, path, query)


@fuzz
@given(template=st.sampled_from(OBJECT_PAGES), slug=TEXT, query=QUERY)
def test_any_slug_on_any_object_page_gets_an_answer(client, demo, template, slug, query):
    path = template.format(slug.replace("/", "").replace("?", "").replace("#", "") or "x")
    assert_answered(client, path, query)


@fuzz
@given(text=st.one_of(TEXT, st.lists(TRICKY | st.text(max_size=15), max_size=12).map(" ".join)))
def test_any_search_gets_an_answer_on_the_site_and_in_the_api(client, demo, text):
    for path in ("/search/", "/articles/", "/api/articles/", "/experts/richard-weitz/"):
        assert_answered(client, path, [("q", text)])


@fuzz
@given(path=st.text(alphabet=string.printable + "é🙂", max_size=60))
def test_any_path_gets_an_answer(client, demo, path):
    assert_answered(client, "/" + path.lstrip("/"))


@pytest.mark.parametrize("path", ["/search/", "/articles/", "/api/articles/"])
def test_a_10k_character_search_is_refused_or_cut_cleanly(client, demo, path):
    response = assert_answered(client, path, [("q", "defense " * 1250)])
    if path.startswith("/api/"):
        assert response.status_code == 400
        assert "q" in response.json()
    else:  # the site ignores the search it cannot take, says so, and lists as without it
        assert response.status_code == 200
        assert response.context["query"] == ""
        assert "Some filters could not be used and were ignored" in response.text


def test_a_huge_query_string_is_refused_cleanly(client, demo):
    response = client.get("/articles/?" + "&".join(f"topic=t{n}" for n in range(5000)))
    assert response.status_code == 400
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9", "99999999999999999999999", "last", "", "1.5"])
def test_any_page_number_gets_a_page(client, demo, page):
    response = assert_answered(client, "/articles/", [("page", page)])
    assert response.status_code == 200


@pytest.mark.parametrize("template", OBJECT_PAGES)
def test_a_nul_byte_in_a_slug_is_a_404_not_a_database_error(client, demo, template):
    # Found by the generated tests: PostgreSQL refuses NUL in text, so it must never reach a query.
    response = assert_answered(client, template.format("%00"))
    assert response.status_code == 404


@pytest.mark.parametrize("name", PARAMETERS)
def test_a_nul_byte_in_any_parameter_gets_an_answer(client, demo, name):
    for path in ("/articles/", "/experts/", "/api/articles/", "/api/experts/", "/api/topics/"):
        assert_answered(client, path, [(name, "a\x00b")])
