import pytest

from articles.models import Topic
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
)

pytestmark = pytest.mark.django_db


def test_the_topic_tree_shows_themes_and_regions_with_counts(client):
    asia = TopicFactory(name="Asia-Pacific", kind=Topic.Kind.REGION)
    korea = TopicFactory(name="Korean Peninsula", kind=Topic.Kind.REGION, parent=asia)
    TopicFactory(name="Missile Defense", kind=Topic.Kind.THEME)
    ArticleFactory(topics=[korea])
    draft(topics=[korea])

    response = client.get("/en/topics/")

    regions = response.context["regions"]
    assert [topic.name for topic in regions] == ["Asia-Pacific"]
    assert [topic.name for topic in regions[0].subtopics] == ["Korean Peninsula"]
    assert (regions[0].article_count, regions[0].subtopics[0].article_count) == (1, 1)
    assert [topic.name for topic in response.context["themes"]] == ["Missile Defense"]


def test_a_topic_page_shows_its_articles_subtopics_and_experts(client):
    asia = TopicFactory(name="Asia", description="The largest continent.")
    korea = TopicFactory(name="Korean Peninsula", parent=asia)
    expert = ExpertFactory(name="Richard Weitz")
    in_korea = ArticleFactory(topics=[korea], authors=[expert])
    in_asia = ArticleFactory(topics=[asia])
    draft(topics=[asia], title="Hidden draft")
    ArticleFactory(title="Elsewhere")

    response = client.get(asia.get_absolute_url())

    assert set(response.context["articles"]) == {in_korea, in_asia}
    assert "The largest continent." in response.text
    assert korea.get_absolute_url() in response.text
    assert [e.name for e in response.context["top_experts"]] == ["Richard Weitz"]
    assert "Hidden draft" not in response.text and "Elsewhere" not in response.text


def test_a_subtopic_page_shows_its_breadcrumb(client):
    asia = TopicFactory(name="Asia")
    korea = TopicFactory(name="Korean Peninsula", parent=asia)

    response = client.get(korea.get_absolute_url())

    assert response.context["ancestors"] == [asia]


def test_category_and_source_pages_narrow_the_listing(client):
    category, source = CategoryFactory(), SourceFactory(disclaimer="Not our view.")
    in_category = ArticleFactory(category=category)
    from_source = ArticleFactory(source=source)

    assert list(client.get(category.get_absolute_url()).context["articles"]) == [in_category]
    response = client.get(source.get_absolute_url())
    assert list(response.context["articles"]) == [from_source]
    assert "Not our view." in response.text


@pytest.mark.parametrize("url", ["/en/topics/nope/", "/en/categories/nope/", "/en/sources/nope/"])
def test_unknown_slugs_are_404(client, url):
    assert client.get(url).status_code == 404


def test_topic_pages_take_a_fixed_number_of_queries(count_queries):
    """The tree, its counts and the topic's experts are each one query, whatever their size."""
    parent = TopicFactory(slug="parent")
    ArticleFactory(topics=[TopicFactory(parent=parent)], authors=[ExpertFactory()])
    few = (count_queries("/en/topics/"), count_queries("/en/topics/parent/"))

    for _ in range(49):
        child = TopicFactory(parent=parent)
        ArticleFactory(topics=[child, TopicFactory(parent=child)], authors=[ExpertFactory(), ExpertFactory()])
    many = (count_queries("/en/topics/"), count_queries("/en/topics/parent/"))

    assert few == many
    assert max(many) <= 14


def test_a_topic_pages_top_experts_are_counted_in_the_pages_language(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    asia = TopicFactory(name="Asia")
    english, russian = ExpertFactory(name="Ann English"), ExpertFactory(name="Boris Russian")
    ArticleFactory(topics=[asia], authors=[english])
    ArticleFactory.create_batch(2, topics=[asia], authors=[russian], language="ru")
    ArticleFactory(topics=[asia], authors=[russian])

    in_english = client.get(asia.get_absolute_url()).context["top_experts"]
    in_russian = client.get("/ru" + asia.get_absolute_url().removeprefix("/en")).context["top_experts"]

    # What "N articles here" says is what the page lists with ?expert=: its own language's pieces.
    assert [(e.name, e.topic_article_count) for e in in_english] == [("Ann English", 1), ("Boris Russian", 1)]
    assert [(e.name, e.topic_article_count) for e in in_russian] == [("Boris Russian", 2)]
