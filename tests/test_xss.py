"""A corpus of XSS payloads, stored through the admin and both importers, never reaches a page as
live markup: no script, no event handler, no javascript: URL, no foreign frame, style or image."""

import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from articles.models import Article
from experts.models import Expert
from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    line for line in (Path(__file__).parent / "data" / "xss_payloads.txt").read_text().splitlines() if line
]
DANGEROUS_TAGS = {
    "script", "iframe", "frame", "object", "embed", "applet", "style", "link", "meta", "base", "svg",
    "math", "video", "audio", "source", "marquee", "isindex", "image", "template", "noscript", "details",
}  # fmt: skip
FORM_TAGS = {"form", "input", "button", "select", "textarea"}  # only inside the site's own forms
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "cite", "srcset", "data", "xlink:href"}


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50


def is_the_sites_own(tag):
    """The listing's "Filter" control: a <details> of the template's, which no content reaches."""
    return tag.name == "details" and tag.get("class") == ["filters-panel"]


def live_markup(html):
    """Everything in the page's content that a browser would run, load or submit."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for script in soup.find_all("script"):
        if script.get("type") != "application/ld+json":
            found.append(str(script)[:80])
    content = soup.find("main") or soup
    for tag in content.find_all(True):
        if tag.name in DANGEROUS_TAGS and not is_the_sites_own(tag):
            found.append(f"<{tag.name}>")
        if tag.name in FORM_TAGS:
            form = tag if tag.name == "form" else tag.find_parent("form")
            action = form.get("action", "") if form else "//nowhere"
            if action.startswith("//") or urlsplit(action).scheme:
                found.append(f"<{tag.name}> outside the site's forms")
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.startswith("on") or name == "style":
                found.append(f"{tag.name} {name}=")
            if name in URL_ATTRIBUTES:
                scheme = "".join(value.split()).lower().split(":", 1)[0] if ":" in value else ""
                if scheme in {"javascript", "vbscript", "data"}:
                    found.append(f"{tag.name} {name}={value[:40]}")
                if tag.name == "img" and name == "src" and urlsplit(value).netloc:
                    found.append(f"foreign image {value[:40]}")
    return found


def assert_safe(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert not live_markup(response.content), (url, live_markup(response.content))
    return response


def test_payloads_saved_through_the_admin_never_become_live_markup(admin_client):
    """Through the body editor's save path (the admin form it fills), with what the site links in a
    body: an expert's name and an "Also read" line carrying the payload."""
    expert = ExpertFactory(slug="author", name="Olga Author")
    for number, payload in enumerate(PAYLOADS):
        data = {
            "title": f"Payload {number} {payload}"[:300],
            "slug": f"payload-{number}",
            "lead": payload,
            "body": f'<p>Before, Olga Author said</p>{payload}<p>Also read: "{payload}"</p><p>After</p>',
            "status": "published",
            "published_at_0": "2024-01-01",
            "published_at_1": "10:00",
            "image_alt": payload[:300],
            "image_caption": payload[:500],
            "image_credit": payload[:200],
            "original_url": "",
            "article_authors-TOTAL_FORMS": "1",
            "article_authors-INITIAL_FORMS": "0",
            "article_authors-0-expert": str(expert.pk),
            "article_authors-0-position": "0",
            "related_links-TOTAL_FORMS": "1",
            "related_links-INITIAL_FORMS": "0",
            "related_links-0-title": payload[:300],
            "related_links-0-lead": payload,
            "related_links-0-position": "0",
            "mentions-TOTAL_FORMS": "0",
            "mentions-INITIAL_FORMS": "0",
            "review_steps-TOTAL_FORMS": "0",
            "review_steps-INITIAL_FORMS": "0",
        }
        response = admin_client.post("/admin/articles/article/add/", data)
        assert response.status_code == 302, (payload, response.context["adminform"].form.errors)
    # Every body links its expert's name (before the expert's own hostile rename, below).
    assert Article.objects.filter(body_html__contains='href="/en/experts/author/"').count() == len(PAYLOADS)
    bio = "".join(PAYLOADS)
    admin_client.post(
        f"/admin/experts/expert/{expert.pk}/change/",
        {
            "name": "Author <script>alert(1)</script>",
            "slug": "author",
            "last_name": "Author",
            "bio": bio,
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )

    assert Article.objects.filter(slug__startswith="payload-").count() == len(PAYLOADS)
    assert Expert.objects.get(slug="author").bio  # cleaned, not dropped
    for number in range(len(PAYLOADS)):
        assert_safe(admin_client, f"/en/articles/payload-{number}/")
    for url in (
        "/en/",
        "/en/articles/",
        "/en/articles/?page=2",
        "/en/experts/",
        "/en/experts/author/",
        "/en/search/?q=alert",
    ):
        assert_safe(admin_client, url)
    for body, body_html in Article.objects.values_list("body", "body_html"):  # cleaned when saved, too
        assert not live_markup(body), body
        assert not live_markup(body_html), body_html
    for url in (
        "/en/feeds/latest/",
        "/en/feeds/latest/atom/",
        "/en/experts/author/feed/",
        "/en/experts/author/feed/atom/",
    ):
        assert not feed_markup(admin_client, url), url


def feed_markup(client, url):
    """What a feed reader would run in the fields it reads as HTML (RSS <description>, Atom
    <summary type="html">): each field's XML text, read as HTML."""
    response = client.get(url)
    assert response.status_code == 200, url
    found = []
    for element in ("description", "summary"):
        for value in re.findall(rf"<{element}[^>]*>(.*?)</{element}>", response.content.decode(), re.S):
            found += [tag.name for tag in BeautifulSoup(html.unescape(value), "html.parser").find_all(True)]
    return found


def test_payloads_in_an_imported_page_never_become_live_markup(client, tmp_path):
    page = "\n\n".join(
        [
            'Title with <script>alert("title")</script> in it',
            "30.05.2017",
            "A lead <img src=x onerror=alert(1)>, writes Richard Weitz, Senior Fellow at Hudson Institute.",
            *PAYLOADS,
            "Views expressed are of individual Members and Contributors, rather than the Club's, "
            "unless explicitly stated otherwise.",
        ]
    )
    (tmp_path / "hostile.txt").write_text(page + "\n")

    call_command("import_pages", str(tmp_path / "hostile.txt"), publish=True, verbosity=0)

    article = Article.objects.get()
    assert not live_markup(article.body)  # the page's text is stored as text, escaped
    assert_safe(client, article.get_absolute_url())
    assert_safe(client, "/en/experts/richard-weitz/")


def test_payloads_in_an_imported_archive_never_become_live_markup(client, tmp_path):
    lines = [
        {"type": "expert", "slug": "e", "name": "E <b onclick=alert(1)>", "bio": "".join(PAYLOADS)},
        *(
            {
                "type": "article",
                "slug": f"a{number}",
                "title": payload[:300],
                "lead": payload,
                "body": payload,
                "status": "published",
                "published_at": "2024-01-01T10:00:00+00:00",
                "authors": ["e"],
                "image_caption": payload[:500],
            }
            for number, payload in enumerate(PAYLOADS)
        ),
    ]
    archive = tmp_path / "archive.jsonl"
    archive.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    call_command("import_kb", str(archive), verbosity=0)

    assert Article.objects.count() == len(PAYLOADS)
    for body in Article.objects.values_list("body", flat=True):  # cleaned when stored
        assert not live_markup(body), body
    assert not live_markup(Expert.objects.get(slug="e").bio)
    for number in range(len(PAYLOADS)):
        assert_safe(client, f"/en/articles/a{number}/")
    assert_safe(client, "/en/experts/e/")
