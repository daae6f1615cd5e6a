"""A reader's browser takes the copy of a picture sized for the screen: a phone does not download
the original of a lead image, and a card's thumbnail is a thumbnail."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import give_pictures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ARTICLE = "/en/articles/thaad-and-the-limits-of-alliance-reassurance/"


@pytest.fixture
def pictured(site):
    give_pictures("thaad-and-the-limits-of-alliance-reassurance", "richard-weitz")  # 1200×800, 400×400
    return site


def loaded(page, selector):
    """The address the browser chose for an <img>, once it has loaded."""
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate("(img) => img.currentSrc")


def test_a_phone_downloads_a_copy_of_the_lead_image_sized_for_it(pictured, browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    page = context.new_page()
    page.goto(pictured.url(ARTICLE))

    # 350 CSS pixels at twice the density: the 960 px copy, not the 1,200 px original.
    assert loaded(page, ".article__figure img").endswith("-960w.webp")
    # A profile's portrait is 72 px wide on a phone: the 160 px copy of the 400 px original.
    page.goto(pictured.url("/en/experts/richard-weitz/"))
    assert loaded(page, "img.portrait").endswith("-160w.webp")
    context.close()


def test_a_card_shows_a_thumbnail_not_the_original(pictured, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(pictured.url("/en/articles/"))

    assert loaded(page, ".card__picture").endswith("-160w.webp")
    box = page.locator(".card__picture").bounding_box()
    assert round(box["width"]) == 160 and round(box["height"]) == round(160 * 2 / 3)
    context.close()
