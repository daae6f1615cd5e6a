from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, scheduled

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_latest_opinions_active_topics_experts_and_search(client):
    expert = ExpertFactory(name="Richard Weitz")
    topic = TopicFactory(name="Korean Peninsula")
    ArticleFactory(title="Latest opinion", authors=[expert], topics=[topic])
    draft(title="Draft opinion", topics=[TopicFactory(name="Draft-only topic")])
    scheduled(title="Scheduled opinion")

    response = client.get("/en/")

    assert "Latest opinion" in response.text
    assert "Korean Peninsula" in response.text
    assert "Richard Weitz" in response.text
    assert 'role="search"' in response.text
    for hidden in ["Draft opinion", "Draft-only topic", "Scheduled opinion"]:
        assert hidden not in response.text


def test_the_home_page_takes_a_fixed_number_of_queries(count_queries):
    """Cards, topics and experts are each fetched once, however many there are."""
    ArticleFactory(topics=[TopicFactory()], authors=[ExpertFactory()])
    one = count_queries("/en/")

    ArticleFactory.create_batch(49, topics=[TopicFactory()], authors=[ExpertFactory(), ExpertFactory()])
    fifty = count_queries("/en/")

    assert one == fifty
    assert fifty <= 6


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/en/articles/", {"Articles": "page"}),
        ("/en/articles/the-piece/", {"Articles": "true"}),
        ("/en/experts/", {"Experts": "page"}),
        ("/en/experts/the-expert/", {"Experts": "true"}),
        ("/en/topics/", {"Topics": "page"}),
        ("/en/topics/the-topic/", {"Topics": "true"}),
        ("/en/", {}),
    ],
)
def test_the_menu_says_where_the_reader_is(client, url, current):
    """Only the Articles link once knew; the Experts and Topics links never said so."""
    expert, topic = ExpertFactory(slug="the-expert"), TopicFactory(slug="the-topic")
    ArticleFactory(slug="the-piece", authors=[expert], topics=[topic])
    menu = BeautifulSoup(client.get(url).text, "html.parser").find("nav", class_="site-nav")
    marked = {link.text: link["aria-current"] for link in menu.find_all("a") if link.has_attr("aria-current")}
    assert marked == current


def test_the_piece_editors_feature_comes_first_on_the_home_page_of_its_language(client):
    from tests.factories import ArticleFactory

    ArticleFactory(title="Newest piece")
    ArticleFactory(
        title="An older piece, featured", featured=True, published_at=timezone.now() - timedelta(days=30)
    )
    ArticleFactory(title="Русский выбор", slug="russkiy", language="ru", featured=True)

    page = client.get("/en/")
    assert page.context["featured"].title == "An older piece, featured"
    html = page.text
    assert html.index("An older piece, featured") < html.index("Newest piece")
    assert html.count("An older piece, featured") == 1  # not again among the latest
    assert client.get("/ru/").context["featured"].title == "Русский выбор"
