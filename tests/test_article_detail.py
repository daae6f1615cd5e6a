import pytest

from articles.related import related_articles
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    on,
    relate,
    scheduled,
)

pytestmark = pytest.mark.django_db


def test_it_shows_the_article_with_everything_a_reader_looks_for(client):
    weitz = ExpertFactory(name="Richard Weitz", position="Senior Fellow", organisation="Hudson Institute")
    topic = TopicFactory(name="Korean Peninsula")
    source = SourceFactory(
        name="Valdai Discussion Club", disclaimer="Views expressed are of individual Members."
    )
    article = ArticleFactory(
        title="Korea and cooperation",
        lead="The lead paragraph.",
        body="<p>First paragraph.</p><p>Second <em>paragraph</em>.</p>",
        authors=[weitz],
        topics=[topic],
        source=source,
        original_url="https://valdaiclub.example/a/korea/",
        image_caption="Protesters in Seoul.",
        image_credit="Photo: AP",
    )

    html = client.get(article.get_absolute_url()).text

    assert "<h1" in html and "Korea and cooperation" in html
    assert "The lead paragraph." in html
    assert "<p>Second <em>paragraph</em>.</p>" in html
    assert f'href="{weitz.get_absolute_url()}"' in html
    assert "Senior Fellow, Hudson Institute" in html
    assert f'href="{topic.get_absolute_url()}"' in html
    assert f'href="{article.category.get_absolute_url()}"' in html
    assert "Views expressed are of individual Members." in html
    assert 'href="https://valdaiclub.example/a/korea/"' in html
    assert "Protesters in Seoul." not in html  # no picture here, so no caption (test_page_layout)


def test_an_unknown_slug_is_a_friendly_404(client):
    response = client.get("/en/articles/no-such-article/")

    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize("make", [draft, scheduled])
def test_drafts_and_scheduled_pieces_are_404_for_readers(client, make):
    assert client.get(make().get_absolute_url()).status_code == 404


def test_staff_can_preview_a_draft_that_is_never_indexed_or_cached(client, editor):
    article = draft(title="Work in progress")
    client.force_login(editor)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Preview: draft" in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_an_article_without_authors_names_its_source_instead(client):
    article = ArticleFactory(source=SourceFactory(name="Russia Direct"))

    assert "Author not named" in client.get(article.get_absolute_url()).text


def test_curated_related_articles_come_first_in_their_order():
    topic = TopicFactory()
    article = ArticleFactory(topics=[topic])
    first, second = ArticleFactory.create_batch(2)
    close = ArticleFactory(topics=[topic])
    relate(article, second, first)

    assert related_articles(article) == [second, first, close]


def test_the_related_listing_is_filled_with_the_pieces_sharing_most_of_its_topics():
    expert, korea, nuclear = ExpertFactory(), TopicFactory(), TopicFactory()
    article = ArticleFactory(topics=[korea, nuclear], authors=[expert], published_at=on(2020, 1, 1))
    one_shared = ArticleFactory(topics=[korea], published_at=on(2020, 2, 1))
    two_shared = ArticleFactory(topics=[korea, nuclear], published_at=on(2010, 1, 1))
    ArticleFactory(topics=[TopicFactory()], authors=[expert])  # the same expert, on another topic

    assert related_articles(article, limit=5) == [two_shared, one_shared]


def test_the_fill_in_shares_the_articles_most_specific_topic_only():
    security = TopicFactory(name="International Security")
    korea, europe = TopicFactory(parent=security), TopicFactory(parent=security)
    article = ArticleFactory(topics=[security, korea])
    korean = ArticleFactory(topics=[korea])
    ArticleFactory(topics=[security, europe])  # shares only the broad topic
    ArticleFactory(topics=[security])

    assert related_articles(article, limit=5) == [korean]


def test_the_related_listing_is_filled_with_neighbours_in_time_before_and_after():
    topic = TopicFactory()
    article = ArticleFactory(topics=[topic], published_at=on(2015, 6, 1))
    year_before = ArticleFactory(topics=[topic], published_at=on(2014, 6, 1))
    month_after = ArticleFactory(topics=[topic], published_at=on(2015, 7, 1))
    ArticleFactory(topics=[topic], published_at=on(2025, 1, 1))  # the newest, but years away
    ArticleFactory(topics=[topic], published_at=on(2005, 1, 1))

    assert related_articles(article, limit=2) == [month_after, year_before]


def test_pieces_of_the_same_date_are_neighbours_in_the_order_of_their_ids(monkeypatch):
    monkeypatch.setattr("articles.related.NEIGHBOURS", 1)
    topic = TopicFactory()
    first, second, third, fourth = ArticleFactory.create_batch(4, topics=[topic], published_at=on(2020, 5, 1))

    assert related_articles(second, limit=5) == [third, first]
    assert related_articles(fourth, limit=5) == [third]


def test_the_related_listing_never_shows_drafts_itself_or_duplicates():
    topic = TopicFactory()
    article = ArticleFactory(topics=[topic])
    hidden, future = draft(topics=[topic]), scheduled(topics=[topic])
    curated = ArticleFactory(topics=[topic])
    relate(article, hidden, future, curated)

    related = related_articles(article, limit=5)

    assert related == [curated]


def test_the_related_listing_shows_title_date_lead_expert_and_category(client):
    expert = ExpertFactory(name="Georgy Toloraya")
    category = CategoryFactory(name="Expert Opinions")
    article = ArticleFactory()
    other = ArticleFactory(
        title="Why ‘Neither Peace, Nor War’ Is the Most Likely Scenario for Korea in the Years Ahead",
        lead="This lingering crisis will inevitably lead either to a war or to a table of negotiations.",
        authors=[expert],
        category=category,
    )
    relate(article, other)

    html = client.get(article.get_absolute_url()).text
    listing = html[html.index("Related articles") :]

    assert "Why ‘Neither Peace, Nor War’ Is the Most Likely Scenario for Korea in the Years Ahead" in listing
    assert "This lingering crisis" in listing
    assert (
        f'<dt>Expert:</dt>\n        <dd><a href="{expert.get_absolute_url()}">Georgy Toloraya</a>' in listing
    )
    assert f'<a href="{category.get_absolute_url()}">Expert Opinions</a>' in listing


def test_the_body_is_sanitised_again_when_shown(client):
    article = ArticleFactory()
    type(article).objects.filter(pk=article.pk).update(
        body='<p>ok</p><script>alert("x")</script><img src=x onerror=alert(1)>'
    )

    html = client.get(article.get_absolute_url()).text

    assert "<script>alert" not in html
    assert "onerror" not in html


def test_the_article_page_takes_a_fixed_number_of_queries(count_queries):
    """Authors, topics and related items are prefetched, never fetched one by one."""
    topic = TopicFactory()
    article = ArticleFactory(topics=[topic], authors=[ExpertFactory()])
    relate(article, ArticleFactory(topics=[topic]))
    ArticleFactory(topics=[topic])  # one to fill the listing with
    few = count_queries(article.get_absolute_url())

    experts = ExpertFactory.create_batch(5)
    topics = TopicFactory.create_batch(5)
    article.topics.add(*topics)
    for position, expert in enumerate(experts, start=1):
        article.article_authors.create(expert=expert, position=position)
    ArticleFactory.create_batch(10, topics=topics, authors=experts)
    many = count_queries(article.get_absolute_url())

    assert few == many
    assert many <= 8
