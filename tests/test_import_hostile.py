"""import_kb treats a backup as hostile as any form: every value goes through the validation the
admin's forms apply, a refused line is reported by number and writes nothing of its item, and what
is written never makes a page answer 500 or carries a live javascript: link. A backup reads back
byte for byte, from either database into either."""

import io
import json
import os
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from articles.importers.jsonl import export_lines, import_lines
from articles.models import Article, RelatedLink, Source
from experts.models import Expert, ExpertLink

pytestmark = pytest.mark.django_db

ARTICLE = {
    "type": "article",
    "slug": "a-piece",
    "language": "en",
    "translation_of": None,
    "title": "A piece",
    "lead": "",
    "body": "<p>Body.</p>",
    "status": "published",
    "original_url": "",
    "image_alt": "",
    "image_caption": "",
    "image_credit": "",
    "needs_review": False,
    "published_at": "2017-05-30T10:00:00+00:00",
    "category": None,
    "source": None,
    "image": "",
    "authors": [],
    "topics": [],
    "unlinked_mentions": [],
}
EXPERT = {
    "type": "expert",
    "slug": "an-expert",
    "name": "An Expert",
    "last_name": "Expert",
    "other_names": "",
    "position": "",
    "organisation": "",
    "country": "",
    "bio": "",
    "translations": {},
    "photo": "",
    "topics": [],
    "links": [],
}
PAGES = [
    "/en/", "/en/articles/", "/en/search/?q=piece", "/en/experts/", "/api/articles/", "/api/experts/",
    "/en/feeds/latest/", "/sitemap.xml", "/sitemap-articles.xml", "/sitemap-experts.xml",
    "/en/articles/a-piece/", "/en/experts/an-expert/", "/api/articles/a-piece/",
]  # fmt: skip
LIVE_SCRIPT_LINK = re.compile(r"""(?:href|src)\s*=\s*["']?\s*(?:javascript|data|vbscript):""", re.IGNORECASE)


def imported(*items):
    """Import the items as lines; return the errors reported."""
    return import_lines(json.dumps(item, ensure_ascii=False) + "\n" for item in items).errors


def assert_pages_answer(client):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code < 500, page
        body = response.content.decode()
        assert not LIVE_SCRIPT_LINK.search(body), page


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x"]
)
@pytest.mark.parametrize("where", ["original_url", "entry url", "expert link"])
def test_a_script_url_is_refused_wherever_a_backup_puts_it(client, url, where):
    items = {
        "original_url": [{**ARTICLE, "original_url": url}],
        "entry url": [
            ARTICLE,
            {"type": "related", "article": "a-piece", "related": [{"title": "T x y", "url": url}]},
        ],
        "expert link": [{**EXPERT, "links": [["Home", url]]}],
    }[where]

    errors = imported(*items)

    assert len(errors) == 1 and "Enter a valid URL" in errors[0]
    assert not RelatedLink.objects.exists() and not ExpertLink.objects.exists()
    assert not Article.objects.filter(original_url=url).exists()
    assert_pages_answer(client)


@pytest.mark.parametrize("slug", ["bad slug!", "wæver", "a/b", "../x", "x" * 321, ""])
@pytest.mark.parametrize("kind", ["article", "expert", "source"])
def test_a_slug_no_address_can_hold_is_refused(client, slug, kind):
    """ "bad slug!" was stored, and every listing naming it answered 500 (NoReverseMatch)."""
    item = {
        "article": {**ARTICLE, "slug": slug},
        "expert": {**EXPERT, "slug": slug},
        "source": {
            "type": "source",
            "slug": slug,
            "name": "S",
            "url": "",
            "disclaimer": "",
            "translations": {},
        },
    }[kind]

    (error,) = imported(item)

    assert error.startswith("line 1:")
    assert not Article.objects.exists() and not Expert.objects.exists() and not Source.objects.exists()
    assert_pages_answer(client)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({**EXPERT, "last_name": "L" * 88}, "last_name: Ensure this value has at most 80 characters"),
        ({**EXPERT, "name": "N" * 201}, "name: Ensure this value has at most"),
        ({**ARTICLE, "title": "T" * 301}, "title: Ensure this value has at most 300 characters"),
        ({**ARTICLE, "image_credit": "C" * 201}, "image_credit: Ensure this value has at most"),
        ({**ARTICLE, "lead": 5}, "lead must be text"),
        ({**ARTICLE, "needs_review": "yes"}, "needs_review must be true or false"),
        ({**ARTICLE, "image": "../../etc/passwd"}, "image must name a picture"),
        ({**ARTICLE, "image": "/etc/x.png"}, "image must name a picture"),
        ({**ARTICLE, "authors": "richard-weitz"}, "authors must be a list"),
        ({**EXPERT, "links": [["Home"]]}, "links must be a list of"),
        ({**EXPERT, "translations": {"ru": {"name": 5}}}, "translations must be"),
    ],
)
def test_a_value_the_admin_would_refuse_is_refused_with_its_line_and_field(item, message):
    """An 88-character sort name from a SQLite backup stopped a PostgreSQL restore half-way."""
    (error,) = imported({"type": "source", "slug": "s", "name": "S", "url": "", "disclaimer": ""}, item)

    assert error.startswith("line 2:") and message in error, error
    assert Source.objects.filter(slug="s").exists()  # the rest of the file is written
    assert not Article.objects.exists() and not Expert.objects.exists()


def test_a_sort_name_guessed_from_a_long_name_fits_its_column():
    expert = Expert.objects.create(name="Ann " + "Verylongfamilyname" * 5)
    assert len(expert.last_name) == 80
    assert imported(json.loads(next(line for line in export_lines() if '"expert"' in line))) == []


# A backup as either database writes it, with what once did not read back the same: a body with an
# entity for a control character, related titles with a tab and Unicode line separators, translations
# whose keys PostgreSQL's jsonb keeps in another order than they were written.
HOSTILE_BUT_VALID = [
    {"type": "source", "slug": "rd", "name": "RD", "url": "https://rd.example/", "disclaimer": "",
     "translations": {"ru": {"name": "РД", "disclaimer": "Мнение"}, "de": {"name": "RD"}}},
    {"type": "expert", "slug": "weitz", "name": "Richard Weitz", "last_name": "Weitz", "other_names": "",
     "position": "", "organisation": "", "country": "", "bio": "<p>a&#x0b;b</p>",
     "translations": {"ru": {"position": "Старший", "name": "Ричард Вайц"}}, "photo": "experts/a.png",
     "topics": [], "links": [["Home", "https://example.org/wæver"]]},
    {**ARTICLE, "body": "<p>one&#x0b;two&#11;three</p>", "source": "rd", "authors": ["weitz"]},
    {**ARTICLE, "slug": "other", "title": "Other"},
    {"type": "related", "article": "a-piece", "language": "en", "related": [
        "other",
        {"title": "Tab\there and\u0085next\u2028line\u2029para", "truncated": True, "date": "2017-05-01",
         "lead": "", "expert": "weitz", "category": None, "url": "https://example.org/x", "article": None},
    ]},
]  # fmt: skip


def export_text():
    out = io.StringIO()
    call_command("export_kb", stdout=out)
    return out.getvalue()


def test_a_backup_reads_back_byte_for_byte_on_this_database(tmp_path):
    """Run on SQLite and on PostgreSQL by .ci/run: what either exports, the other imports and exports
    again unchanged (keys in one order, text as the cleaner and the importer both leave it)."""
    assert imported(*HOSTILE_BUT_VALID) == []
    first = export_text()
    path = tmp_path / "kb.jsonl"
    path.write_text(first, encoding="utf-8")

    for model in (RelatedLink, Article, Expert, Source):
        model.objects.all().delete()
    call_command("import_kb", str(path), stdout=io.StringIO())

    assert export_text() == first
    assert "\\u000b" not in first and "\x0b" not in first
    assert '"title":"Tab here and next line para"' in first
    assert '"translations":{"ru":{"name":"Ричард Вайц","position":"Старший"}}' in first
    assert '"translations":{"de":{"name":"RD"},"ru":{"disclaimer":"Мнение","name":"РД"}}' in first


def test_the_export_of_a_canonical_backup_is_the_backup_itself(tmp_path):
    """The same file, imported and exported on either database, gives the same bytes back."""
    assert imported(*HOSTILE_BUT_VALID) == []
    canonical = export_text()
    for model in (RelatedLink, Article, Expert, Source):
        model.objects.all().delete()

    assert imported(*(json.loads(line) for line in canonical.splitlines())) == []
    assert export_text() == canonical


def test_a_refused_line_makes_the_command_fail_naming_it(tmp_path, capsys):
    path = tmp_path / "kb.jsonl"
    path.write_text(json.dumps({**ARTICLE, "slug": "bad slug!"}) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 lines not imported"):
        call_command("import_kb", str(path), stdout=io.StringIO())

    assert "line 1: article 'bad slug!': slug:" in capsys.readouterr().err


# Fuzz ---------------------------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
ODD_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "\t", "\u2028", "\x0b", "&#x0b;", "<script>x</script>", "Ω" * 81, "x" * 301]),
)
SLUGS = st.one_of(
    st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z"),
    st.sampled_from(["bad slug!", "wæver", "a/b", "..", "x" * 321, "", "a-piece", "an-expert"]),
    st.text(max_size=10),
)
URLS = st.one_of(
    st.sampled_from(
        [
            "",
            "https://example.org/",
            "javascript:alert(1)",
            " javascript:alert(1)",
            "JAVASCRIPT:x",
            "data:text/html,x",
            "vbscript:x",
            "//evil.example/",
            "http://",
            "ftp://example.org/f",
            "https://ex ample.org/",
            "https://example.org/" + "p" * 490,
            "mailto:a@example.org",
        ]
    ),
    st.text(max_size=15),
)
DATES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "2017-05-30T10:00:00+00:00",
            "2017-05-30",
            "x",
            "2017-13-01T00:00:00",
            "1900-01-01T00:00:00+00:00",
            "2999-01-01T00:00:00+00:00",
            "2017-05-30T10:00:00+14:00",
        ]
    ),
)
ANY_VALUE = st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.text(max_size=3), max_size=2))


# Where an odd value may go: (line, field, values).
ODD_FIELDS = [
    ("expert", "slug", SLUGS),
    ("expert", "name", ODD_TEXT),
    ("expert", "last_name", ODD_TEXT),
    ("expert", "bio", ODD_TEXT),
    ("expert", "photo", st.sampled_from(["experts/a.png", "../a.png", "a.exe", "/a.png"])),
    ("expert", "links", st.builds(lambda label, url: [[label, url]], ODD_TEXT, URLS)),
    ("article", "slug", SLUGS),
    ("article", "title", ODD_TEXT),
    ("article", "lead", ODD_TEXT),
    ("article", "body", ODD_TEXT),
    ("article", "original_url", URLS),
    ("article", "image_credit", ODD_TEXT),
    ("article", "published_at", DATES),
    ("article", "status", st.sampled_from(["published", "draft", "deleted", ""])),
    ("article", "needs_review", ANY_VALUE),
    ("article", "language", st.one_of(st.sampled_from(["en", "ru", "xx", ""]), ANY_VALUE)),
    ("article", "topics", ANY_VALUE),
    ("entry", "title", ODD_TEXT),
    ("entry", "truncated", ANY_VALUE),
    ("entry", "url", URLS),
    ("entry", "date", st.one_of(DATES, ANY_VALUE)),
]


@st.composite
def backup_lines(draw):
    """An expert, an article by them and its related listing, as an export lays them out, valid but
    for one to three fields holding odd values (text of every kind and length, hostile URLs, dates at
    the ends of the calendar, slugs no address holds, values of the wrong type)."""
    lines = {
        "expert": dict(EXPERT),
        "article": {**ARTICLE, "authors": [EXPERT["slug"]]},
        "entry": {"title": "A piece not here yet", "truncated": False, "url": "", "date": None},
    }
    for line, name, values in draw(
        st.lists(st.sampled_from(ODD_FIELDS), min_size=1, max_size=3, unique=True)
    ):
        lines[line][name] = draw(values)
    if isinstance(lines["expert"]["slug"], str):
        lines["article"]["authors"] = [lines["expert"]["slug"]]
    related = {"type": "related", "article": lines["article"]["slug"], "related": [lines["entry"]]}
    return [lines["expert"], lines["article"], related]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=backup_lines())
def test_fuzzed_backup_lines_are_refused_or_written_safely(client, settings, lines):
    settings.PAGE_CACHE_SECONDS = 0
    with transaction.atomic():
        errors = import_lines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).errors
        refused = {int(error.split(":")[0].removeprefix("line ")) for error in errors}
        assert all(error.startswith("line ") for error in errors)
        if 1 in refused:
            assert not Expert.objects.exists()
        if 2 in refused:
            assert not Article.objects.exists()
        if refused & {2, 3}:
            assert not RelatedLink.objects.exists()
        event(f"written: {Expert.objects.count()} expert, {Article.objects.count()} article")
        for expert in Expert.objects.all():
            for page in (f"/en/experts/{expert.slug}/", f"/api/experts/{expert.slug}/"):
                assert client.get(page).status_code < 500, page
        for article in Article.objects.all():
            response = client.get(f"/en/articles/{article.slug}/")
            assert response.status_code < 500 and not LIVE_SCRIPT_LINK.search(response.content.decode())
        assert_pages_answer(client)
        transaction.set_rollback(True)
