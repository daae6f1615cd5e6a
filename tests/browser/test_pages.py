"""Every page type in the browser: no accessibility violation (axe-core), and screenshots at desktop
and phone widths (written to docs/screenshots/ with UPDATE_SCREENSHOTS=1, `make screenshots`)."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from PIL import Image

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.factories import give_pictures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def pictured_site(site):
    """The demo with a lead image (its card's thumbnail too) and a portrait, as editors upload them."""
    give_pictures("thaad-and-the-limits-of-alliance-reassurance", "richard-weitz")
    return site


PAGE_TYPES = {
    "home": "/en/",
    "articles": "/en/articles/",
    "articles-filtered": "/en/articles/?region=korean-peninsula&expert=richard-weitz",
    "search": "/en/search/?q=missile+defense",
    "article": "/en/articles/thaad-and-the-limits-of-alliance-reassurance/",
    "article-unsigned": (
        "/en/articles/russia-us-security-collaboration-on-the-korean-peninsula-risks-being-overshadowed/"
    ),
    "topics": "/en/topics/",
    "topic": "/en/topics/korean-peninsula/",
    "category": "/en/categories/expert-opinions/",
    "source": "/en/sources/valdai-discussion-club/",
    "experts": "/en/experts/",
    "expert": "/en/experts/richard-weitz/",
    "follow": "/en/follow/?expert=richard-weitz",
    "not-found": "/no-such-page/",
    # The same page types in Russian.
    "home-ru": "/ru/",
    "articles-ru": "/ru/articles/?language=all",
    "search-ru": "/ru/search/?q=%D0%BF%D0%B5%D1%80%D0%B5%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%B0%D1%85",
    "article-ru": (
        "/ru/articles/koreysky-uzel-pochemu-peregovory-vozmozhny-tolko-pri-uchastii-rossii-i-kitaya/"
    ),
    "expert-ru": "/ru/experts/richard-weitz/",
    "topics-ru": "/ru/topics/",
    "follow-ru": "/ru/follow/?topic=korean-peninsula",
    "not-found-ru": "/ru/no-such-page/",
}


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_no_accessibility_violations(pictured_site, axe, name):
    assert axe(pictured_site.url(PAGE_TYPES[name])) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_colour_contrast_problems_in_either_colour_scheme(site, browser, scheme):
    from tests.browser.conftest import AXE

    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    for path in (
        "/",
        "/en/articles/thaad-and-the-limits-of-alliance-reassurance/",
        "/en/experts/richard-weitz/",
    ):
        page.goto(site.url(path))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {runOnly: ['color-contrast']})")
        assert result["violations"] == [], (scheme, path, result["violations"])
    context.close()


def test_the_admins_article_form_has_no_violations_of_ours(site, axe, browser):
    User.objects.create_superuser("boss", "boss@example.org", "pass-word-123")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(site.url("/admin/login/"))
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    cookies = context.cookies()
    context.close()

    # Left out: markup Django's admin makes, not this project: the select2 autocomplete widgets
    # (comboboxes without names), the file input Django 6 puts in a fieldset without a label, and
    # the tabular inlines, whose inputs are named by column headers (one of them empty).
    django_markup = [".select2-container", "#id_image", ".tabular thead", ".tabular tbody td input"]
    violations = axe(site.url("/admin/articles/article/add/"), cookies=cookies, exclude=django_markup)
    assert violations == []


DARK_SHOTS = ("home", "article", "expert")


def test_screenshots_of_every_page_type(pictured_site, browser, tmp_path):
    """`make screenshots` keeps them in docs/screenshots/ (SCREENSHOTS_DIR elsewhere, e.g. a "before")."""
    folder = tmp_path
    if os.environ.get("UPDATE_SCREENSHOTS"):
        folder = Path(os.environ.get("SCREENSHOTS_DIR") or SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport=viewport, is_mobile=width_name == "phone", color_scheme=scheme
            )
            page = context.new_page()
            for name, path in PAGE_TYPES.items():
                if name in {"articles-filtered", "article-unsigned", "category", "source"}:
                    continue  # the same templates as pages already shown
                if scheme == "dark" and name not in DARK_SHOTS:
                    continue
                page.goto(pictured_site.url(path))
                suffix = "-dark" if scheme == "dark" else ""
                target = folder / f"{name}-{width_name}{suffix}.png"
                page.screenshot(path=str(target), full_page=width_name == "desktop")
                assert target.stat().st_size > 10_000, target  # a page, not a blank
                if folder != tmp_path:  # kept in the repository: 256 colours are plenty, and a third the size
                    Image.open(target).convert("RGB").quantize(256).save(target, optimize=True)
            context.close()


def test_on_a_phone_the_results_come_first_and_the_filters_open_from_a_control(site, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(site.url("/en/articles/?region=korean-peninsula"))
    control = page.locator(".filters-panel summary")
    assert control.inner_text().split() == ["Filter", "1", "active"]
    assert not page.locator("#filter-sort").is_visible()
    first_result = page.locator(".card").first.bounding_box()
    assert first_result["y"] < PHONE["height"]  # in the first screen
    control.click()
    assert page.locator("#filter-sort").is_visible()
    context.close()


def test_on_a_wide_screen_the_filters_are_open_beside_the_results(site, page):
    page.goto(site.url("/en/articles/"))
    assert not page.locator(".filters-panel summary").is_visible()
    assert page.locator("#filter-sort").is_visible()
    results, filters = (
        page.locator(".listing__results").bounding_box(),
        page.locator(".filters").bounding_box(),
    )
    assert filters["x"] > results["x"] + results["width"] - 1


def test_the_site_typefaces_come_from_its_own_static_files(site, page):
    fonts = []
    page.on("response", lambda response: fonts.append(response) if ".woff2" in response.url else None)
    page.goto(site.url("/en/articles/thaad-and-the-limits-of-alliance-reassurance/"))
    page.evaluate("document.fonts.ready")
    assert page.evaluate(
        "document.fonts.check('1em \"Source Serif 4\"') && document.fonts.check('1em Inter')"
    )
    assert fonts and all(response.url.startswith(site.base + "/static/fonts/") for response in fonts)
    assert all(response.status == 200 for response in fonts)


def test_the_api_documentation_has_no_accessibility_violations(site, browser):
    from tests.browser.conftest import AXE

    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(site.url("/api/docs/"))
    page.wait_for_selector(".opblock-summary")  # Swagger UI has drawn the operations
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "axe.run(document).then(result => result.violations.map("
        "v => [v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))"
    )
    context.close()
    assert violations == [], repr(violations)
