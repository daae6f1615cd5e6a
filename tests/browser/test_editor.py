"""An editor in a real browser: a new expert and a new commentary through the admin, a draft that
readers cannot see, then published and found everywhere a reader looks."""

import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Missile Defence After the Treaties: A Test Commentary"
SLUG = "missile-defence-after-the-treaties-a-test-commentary"


@pytest.fixture
def editor_page(site, page):
    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page.goto(site.url("/admin/login/"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pass-word-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site.url("/admin/"))
    return page


def choose(page, select_id, text):
    """Pick `text` in one of the admin's autocomplete (select2) fields."""
    page.locator(f"#{select_id}").locator(
        "xpath=following-sibling::span[contains(@class,'select2')][1]"
    ).click()
    page.locator(".select2-container--open .select2-search__field").type(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (140, 30, 30)).save(buffer, format="PNG")
    return {"name": "lead.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_an_editor_writes_and_publishes_a_commentary(site, editor_page, browser):
    page = editor_page

    page.goto(site.url("/admin/experts/expert/add/"))
    page.type("#id_name", "Olga Petrova")
    page.fill("#id_position", "Research Fellow")
    page.fill("#id_organisation", "Institute of Testing")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Olga Petrova")

    page.goto(site.url("/admin/articles/article/add/"))
    page.type("#id_title", TITLE)
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.fill("#id_lead", "A lead written in the browser.")
    page.fill("#id_body", "<p>Interceptors, treaties and a quietly changing balance.</p>")
    choose(page, "id_topics", "Missile Defense")
    choose(page, "id_topics", "Europe")
    page.set_input_files("#id_image", png())
    page.fill("#id_image_alt", "A red rectangle")
    page.fill("#id_image_caption", "A caption")
    choose(page, "id_article_authors-0-expert", "Olga Petrova")
    choose(page, "id_related_links-0-related", "THAAD and the Limits")
    page.fill("#id_related_links-0-position", "0")
    page.locator("#related_links-group .add-row a").click()
    choose(page, "id_related_links-1-related", "Arms Control in Europe")
    page.fill("#id_related_links-1-position", "1")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    reader = browser.new_context().new_page()
    assert reader.goto(site.url(f"/en/articles/{SLUG}/")).status == 404  # a draft: not for readers

    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", "2024-05-01")
    page.fill("#id_published_at_1", "09:30:00")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    assert reader.goto(site.url(f"/en/articles/{SLUG}/")).status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.locator(".article__figure img")).to_have_attribute("alt", "A red rectangle")
    related = reader.locator(".related .related__title a")
    expect(related.nth(0)).to_contain_text("THAAD and the Limits")
    expect(related.nth(1)).to_contain_text("Arms Control in Europe")
    for path in (
        "/",
        "/en/topics/missile-defense/",
        "/en/topics/europe/",
        "/en/experts/olga-petrova/",
        "/en/search/?q=interceptors",
    ):
        reader.goto(site.url(path))
        expect(reader.locator(".card__title a", has_text=TITLE)).to_be_visible()
    feed = reader.request.get(site.url("/en/feeds/latest/"))
    assert TITLE in feed.text()
