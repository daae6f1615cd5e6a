"""A reader in a real browser: from the home page to a topic, narrowed, to an article, its related
listing and author, and back to it by searching a phrase of its body; on a phone and by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ARTICLE = "North Korea and the Diplomacy of Small Steps"


def test_a_reader_browses_narrows_reads_follows_and_searches(site, page):
    page.goto(site.url("/"))
    active_topics = page.get_by_role("region", name="Active topics")
    active_topics.get_by_role("link", name="Korean Peninsula", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Korean Peninsula")

    # Narrow the topic's articles by expert and date, with the filter form.
    page.locator("input[name=expert][value=richard-weitz]").check()
    page.fill("#filter-date-from", "2018-01-01")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(
        re.compile(r"expert=richard-weitz.*date_from=2018-01-01|date_from=2018-01-01.*expert")
    )
    titles = page.locator(".card__title a")
    expect(titles).to_have_count(1)
    expect(titles.first).to_have_text(ARTICLE)

    titles.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE)
    related = page.locator(".related .related__title a")
    expect(related.first).to_be_visible()
    related_title = related.first.inner_text().rstrip("…")
    related.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(related_title)

    page.go_back()
    page.locator(".article__header .byline__author a", has_text="Richard Weitz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Richard Weitz")
    expect(page.locator(".card__title a", has_text=ARTICLE)).to_be_visible()

    page.fill("#site-search-q", '"inspectors at known sites"')
    page.press("#site-search-q", "Enter")
    results = page.locator(".card__title a")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(ARTICLE)
    expect(page.locator(".card__snippet mark").first).to_be_visible()


def test_on_a_phone_nothing_overflows_and_the_reader_can_search(site, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    for path in (
        "/",
        "/en/articles/",
        "/en/articles/north-korea-and-the-diplomacy-of-small-steps/",
        "/en/experts/",
    ):
        page.goto(site.url(path))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    page.goto(site.url("/"))
    page.fill("#home-q", "THAAD")
    page.press("#home-q", "Enter")
    expect(page.locator(".card__title a").first).to_be_visible()
    context.close()


def test_a_keyboard_alone_reaches_the_content_search_and_an_article(site, page):
    page.goto(site.url("/"))
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Tab to the first article card's link and open it with the keyboard.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.card__title') !== null"):
            break
    else:
        pytest.fail("no article link reached by Tab")
    focused = page.evaluate("document.activeElement.textContent")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused link shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(focused.strip())

    # The search box is reachable and submits with Enter.
    page.goto(site.url("/"))
    page.focus("#home-q")
    page.keyboard.type("Weitz")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search/\?q=Weitz"))


def test_a_reader_switches_an_article_to_its_translation_and_back(site, page):
    page.goto(
        site.url(
            "/en/articles/as-north-korean-conflict-threat-rises-us-and-russia-could-see-opportunity-for-cooperation/"
        )
    )
    page.get_by_role("link", name="Читать на русском").click()

    expect(page).to_have_url(re.compile(r"/ru/articles/rossiya-i-ssha-na-koreyskom-poluostrove"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Россия и США на Корейском полуострове: пространство для сотрудничества"
    )
    expect(page.get_by_role("navigation", name="Основное меню")).to_contain_text("Эксперты")
    # The choice is remembered: the site's unprefixed address now opens in Russian.
    page.goto(site.url("/"))
    expect(page).to_have_url(re.compile(r"/ru/$"))

    page.goto(
        site.url("/ru/articles/rossiya-i-ssha-na-koreyskom-poluostrove-prostranstvo-dlya-sotrudnichestva/")
    )
    page.get_by_role("navigation", name="Язык").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/articles/as-north-korean-conflict-threat-rises"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
