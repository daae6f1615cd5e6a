"""Hostile and oversized input at every public URL: always a page or a clear refusal, never a 5xx.

Hypothesis generates the requests (FUZZ_EXAMPLES per test, 250 by default: over two thousand requests in all
across the tests below), with Unicode digits, dates at the ends of the calendar and characters XML
cannot carry among the values; the editors' admin forms get the same values in every field. Each
runs on SQLite and on PostgreSQL with the rest of the suite.
"""

import itertools
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
    "/en/", "/en/articles/", "/en/search/", "/en/experts/", "/en/topics/", "/api/articles/", "/api/experts/",
    "/api/topics/", "/en/feeds/latest/", "/en/feeds/latest/atom/", "/sitemap.xml", "/sitemap-articles.xml",
    "/robots.txt", "/api/", "/api/schema/",
]  # fmt: skip
OBJECT_PAGES = [
    "/en/articles/{}/", "/en/experts/{}/", "/en/topics/{}/", "/en/categories/{}/", "/en/sources/{}/",
    "/en/experts/{}/feed/", "/en/topics/{}/feed/atom/", "/en/articles/{}/cite/bibtex/", "/api/articles/{}/",
    "/api/experts/{}/", "/api/topics/{}/", "/sitemap-{}.xml",
]  # fmt: skip
PARAMETERS = [
    "q", "topic", "region", "expert", "category", "source", "date_from", "date_to", "year", "sort",
    "page", "page_size", "letter", "organisation", "kind", "format", "cursor",
]  # fmt: skip
KNOWN_VALUES = [
    "asia", "korean-peninsula", "richard-weitz", "expert-opinions", "2017", "2017-05-30", "relevance",
    "oldest", "newest", "1", "2", "0", "-1", "99999999999999999999", "last", "json", "W", "1e309",
    # Digits int() refuses though str.isdigit() accepts them, and digits of other scripts.
    "²", "¹", "³", "١٢", "߁", "𝟗", "Ⅻ", "½",
    # Dates at the ends of what Python, the databases and a day's arithmetic can hold.
    "9999-12-31", "0001-01-01", "1000-01-01", "9998-12-31", "0000-00-00", "2017-02-30", "-2017-01-01",
    "99999-01-01", "2017-05-30T25:00", "1900", "2100", "2101", "1899", "9999", "-9999",
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
        "\x0b",
        "\x0c",
        "\x7f",
        "\ue000",
        "\ue001",
        "\ufffe",
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
# What once found 500s: digits int() refuses, days with no next day, characters XML refuses.
HOSTILE = st.sampled_from(
    ["²", "¹", "١", "𝟗", "9999-12-31", "0001-01-01", "9999", "\x0b", "\x0c", "\x1b", "\ufffe", "\ue000"]
)
WITH_HOSTILE = st.tuples(st.text(max_size=10), HOSTILE, st.text(max_size=10)).map("".join)
TEXT = st.one_of(
    HOSTILE,
    WITH_HOSTILE,
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
@given(path=st.sampled_from(PAGES), name=st.sampled_from(PARAMETERS), value=HOSTILE)
def test_every_parameter_takes_the_values_that_once_broke_it(client, demo, path, name, value):
    assert_answered(client, path, [(name, value), ("q", "korea")])


@fuzz
@given(template=st.sampled_from(OBJECT_PAGES), slug=TEXT, query=QUERY)
def test_any_slug_on_any_object_page_gets_an_answer(client, demo, template, slug, query):
    path = template.format(slug.replace("/", "").replace("?", "").replace("#", "") or "x")
    assert_answered(client, path, query)


@fuzz
@given(text=st.one_of(TEXT, st.lists(TRICKY | st.text(max_size=15), max_size=12).map(" ".join)))
def test_any_search_gets_an_answer_on_the_site_and_in_the_api(client, demo, text):
    for path in ("/en/search/", "/en/articles/", "/api/articles/", "/en/experts/richard-weitz/"):
        assert_answered(client, path, [("q", text)])


@fuzz
@given(path=st.text(alphabet=string.printable + "é🙂", max_size=60))
def test_any_path_gets_an_answer(client, demo, path):
    # URL parsing drops tabs and newlines ("/\r/x" is "//x", a host): strip them as a browser would.
    assert_answered(client, "/" + path.lstrip("/\t\r\n"))


ARTICLE_FIELDS = [
    "title", "slug", "lead", "body", "status", "published_at_0", "published_at_1", "image_alt",
    "image_caption", "image_credit", "original_url", "seen_updated_at", "needs_review",
]  # fmt: skip
EXPERT_FIELDS = ["name", "slug", "last_name", "position", "organisation", "country", "bio"]
INLINES = {
    "article": ["article_authors", "related_links", "review_steps"],
    "expert": ["links"],
}
SERIAL = itertools.count()
FEEDS_OF_EVERYTHING = ["/en/feeds/latest/", "/en/feeds/latest/atom/"]


def admin_form(kind, fields):
    data = {}
    for prefix in INLINES[kind]:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | fields


@settings(fuzz, max_examples=max(EXAMPLES // 5, 10))
@given(
    kind_and_field=st.sampled_from(
        [("article", name) for name in ARTICLE_FIELDS] + [("expert", name) for name in EXPERT_FIELDS]
    ),
    value=st.one_of(WITH_HOSTILE, TEXT),
)
def test_any_value_in_any_admin_form_field_gets_a_form_or_a_save(client, editor, kind_and_field, value):
    """Each field of the editors' forms filled with anything (the others valid): a form with
    errors, or a save that every public page, the feeds included (XML is strict), can still show."""
    kind, field = kind_and_field
    client.force_login(editor)
    slug = f"a-{next(SERIAL)}"  # the examples share one database: a slug once saved is taken
    valid = {
        "article": {"title": "A title", "slug": slug, "lead": "A lead.", "status": "published"}
        | {"published_at_0": "2020-01-01", "published_at_1": "10:00"},
        "expert": {"name": "A Name", "slug": slug},
    }[kind]
    response = client.post(f"/admin/{kind}s/{kind}/add/", admin_form(kind, valid | {field: value}))
    assert response.status_code in (200, 302), response.status_code
    client.logout()
    for feed in FEEDS_OF_EVERYTHING:
        assert_answered(client, feed)


@pytest.mark.parametrize("path", ["/en/search/", "/en/articles/", "/api/articles/"])
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
    response = client.get("/en/articles/?" + "&".join(f"topic=t{n}" for n in range(5000)))
    assert response.status_code == 400
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9", "99999999999999999999999", "last", "", "1.5"])
def test_any_page_number_gets_a_page(client, demo, page):
    response = assert_answered(client, "/en/articles/", [("page", page)])
    assert response.status_code == 200


UNICODE_DIGITS = ["%C2%B2", "%C2%B9", "%D9%A1", "%F0%9D%9F%97"]  # ², ¹, Arabic-Indic 1, mathematical 9


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
@pytest.mark.parametrize(
    "path",
    [
        "/en/articles/",
        "/en/search/",
        "/en/topics/",
        "/en/experts/",
        "/api/articles/",
        "/api/experts/",
        "/no-such-page/",
    ],
)
def test_a_page_number_in_other_digits_gets_a_page_or_a_clear_refusal(client, demo, path, digit):
    response = assert_answered(client, f"{path}?page={digit}")
    expected = {"/no-such-page/": 404}.get(path, 400 if path.startswith("/api/") else 200)
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_from", "9999-12-31"),
        ("date_from", "0001-01-01"),
        ("date_to", "0001-01-01"),
        ("year", "9999"),
        ("year", "0"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/en/articles/", "/en/search/", "/api/articles/", "/en/experts/richard-weitz/"]
)
def test_dates_at_the_ends_of_the_calendar_are_refused_clearly(client, demo, path, name, value):
    response = assert_answered(client, path, [(name, value), ("q", "korea")])
    if path.startswith("/api/"):
        assert response.status_code == 400 and name in response.json()
    else:
        assert response.status_code == 200
        assert "Some filters could not be used and were ignored" in response.text


@pytest.mark.parametrize("template", OBJECT_PAGES)
def test_a_nul_byte_in_a_slug_is_a_404_not_a_database_error(client, demo, template):
    # Found by the generated tests: PostgreSQL refuses NUL in text, so it must never reach a query.
    response = assert_answered(client, template.format("%00"))
    assert response.status_code == 404


@pytest.mark.parametrize("name", PARAMETERS)
def test_a_nul_byte_in_any_parameter_gets_an_answer(client, demo, name):
    for path in ("/en/articles/", "/en/experts/", "/api/articles/", "/api/experts/", "/api/topics/"):
        assert_answered(client, path, [(name, "a\x00b")])
