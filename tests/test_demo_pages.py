"""The shipped demo content, seen as a reader sees it."""

import pytest
from django.template.loader import render_to_string

from tests.factories import RUSSIA_DIRECT_SLUG, VALDAI_SLUG

pytestmark = pytest.mark.django_db


def test_richard_weitz_profile_lists_his_sample_article(client, demo):
    response = client.get("/en/experts/richard-weitz/")

    assert VALDAI_SLUG in [article.slug for article in response.context["articles"]]
    assert "Hudson Institute" in response.text


def test_a_topic_filter_shows_exactly_the_articles_under_it(client, demo):
    response = client.get("/en/articles/?region=northeast-asia")

    slugs = {article.slug for article in response.context["articles"]}
    assert {VALDAI_SLUG, RUSSIA_DIRECT_SLUG} <= slugs
    for article in response.context["articles"]:
        regions = {topic.slug for topic in article.topics.all()}
        assert regions & {"northeast-asia", "korean-peninsula"}


@pytest.mark.parametrize(
    ("slug", "other"), [(VALDAI_SLUG, RUSSIA_DIRECT_SLUG), (RUSSIA_DIRECT_SLUG, VALDAI_SLUG)]
)
def test_each_sample_article_lists_the_other_as_related(client, demo, slug, other):
    response = client.get(f"/en/articles/{slug}/")

    related = [item.article.slug for item in response.context["related"] if item.article]
    assert other in related


def test_the_demo_draft_is_nowhere_on_the_public_pages(client, demo):
    for url in [
        "/en/",
        "/en/articles/",
        "/en/topics/korean-peninsula/",
        "/en/experts/mei-tanaka/",
        "/en/articles/?q=Olympics",
    ]:
        assert "Korea After the Olympics" not in client.get(url).text


def test_the_500_page_stands_alone():
    html = render_to_string("500.html")

    assert "Something went wrong" in html
