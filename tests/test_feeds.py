"""RSS and Atom feeds: parsed by a real feed parser, published articles only, newest first."""

import html
import re

import feedparser
import pytest
from bs4 import BeautifulSoup

from articles.models import Article, Topic
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, on, scheduled

pytestmark = pytest.mark.django_db

FEEDS = ["/en/feeds/latest/", "/en/feeds/latest/atom/"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.mark.parametrize("url", FEEDS)
def test_the_latest_feed_lists_published_articles_newest_first(client, url):
    weitz = ExpertFactory(name="Richard Weitz")
    korea = TopicFactory(name="Korean Peninsula")
    ArticleFactory(title="Older piece", published_at=on(2017, 3, 1))
    ArticleFactory(
        title="THAAD & alliances <2017>",
        published_at=on(2017, 4, 1),
        lead="Missile defense in Korea.",
        authors=[weitz],
        topics=[korea],
    )
    draft(title="A draft")
    scheduled(title="A scheduled piece")

    response, feed = parse(client, url)

    assert [entry.title for entry in feed.entries] == ["THAAD & alliances <2017>", "Older piece"]
    newest = feed.entries[0]
    assert newest.link.startswith("http://testserver/en/articles/")
    assert newest.author == "Richard Weitz"
    assert newest.summary == "Missile defense in Korea."
    assert newest.published_parsed[:3] == (2017, 4, 1)
    assert [tag.term for tag in newest.tags] == ["Korean Peninsula"]
    assert feed.feed.title == "Expert Opinions: latest articles"
    assert b"A draft" not in response.content and b"scheduled" not in response.content


def test_feed_formats_are_what_they_say(client):
    assert feedparser.parse(client.get("/en/feeds/latest/").content).version == "rss20"
    assert feedparser.parse(client.get("/en/feeds/latest/atom/").content).version == "atom10"


@pytest.mark.parametrize("suffix", ["feed/", "feed/atom/"])
def test_an_experts_feed_has_only_their_published_articles(client, suffix):
    weitz, other = ExpertFactory(slug="richard-weitz", name="Richard Weitz"), ExpertFactory()
    ArticleFactory(title="By Weitz", authors=[weitz])
    ArticleFactory(title="By someone else", authors=[other])
    draft(title="Weitz draft", authors=[weitz])

    _, feed = parse(client, f"/en/experts/richard-weitz/{suffix}")

    assert [entry.title for entry in feed.entries] == ["By Weitz"]
    assert feed.feed.title == "Expert Opinions: articles by Richard Weitz"


@pytest.mark.parametrize("suffix", ["feed/", "feed/atom/"])
def test_a_topics_feed_includes_its_subtopics(client, suffix):
    asia = TopicFactory(slug="asia", name="Asia", kind=Topic.Kind.REGION)
    korea = TopicFactory(slug="korea", kind=Topic.Kind.REGION, parent=asia)
    ArticleFactory(title="On Korea", topics=[korea], published_at=on(2018, 1, 1))
    ArticleFactory(title="On Asia", topics=[asia], published_at=on(2017, 1, 1))
    ArticleFactory(title="Elsewhere", topics=[TopicFactory()])
    draft(title="Asia draft", topics=[asia])

    _, feed = parse(client, f"/en/topics/asia/{suffix}")

    assert [entry.title for entry in feed.entries] == ["On Korea", "On Asia"]


@pytest.mark.parametrize("url", ["/en/experts/nobody/feed/", "/en/topics/nothing/feed/atom/"])
def test_a_feed_of_something_unknown_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_pages_link_to_their_feeds(client):
    expert = ExpertFactory(slug="weitz")
    topic = TopicFactory(slug="korea")
    ArticleFactory(authors=[expert], topics=[topic])

    for page, feed in [
        ("/en/", "/en/feeds/latest/"),
        ("/en/articles/", "/en/feeds/latest/"),
        ("/en/experts/weitz/", "/en/experts/weitz/feed/"),
        ("/en/topics/korea/", "/en/topics/korea/feed/"),
    ]:
        html = client.get(page).text
        assert '<link rel="alternate" type="application/rss+xml"' in html
        assert f'href="{feed}"' in html, page
        assert f'href="{feed}atom/"' in html, page


def test_a_feed_takes_the_same_queries_for_1_or_30_items(client, count_queries):
    expert = ExpertFactory(slug="weitz")
    topic = TopicFactory(slug="korea")
    ArticleFactory(authors=[expert], topics=[topic])
    one = count_queries("/en/topics/korea/feed/")
    for _ in range(29):
        ArticleFactory(authors=[expert, ExpertFactory()], topics=[topic, TopicFactory()])
    assert count_queries("/en/topics/korea/feed/") == one


PAYLOAD = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
ALL_FEEDS = [
    *FEEDS,
    "/en/experts/the-expert/feed/",
    "/en/experts/the-expert/feed/atom/",
    "/en/topics/the-topic/feed/",
]


def html_in(text):
    """The elements a feed reader would build from a field it reads as HTML."""
    return [tag.name for tag in BeautifulSoup(text or "", "html.parser").find_all(True)]


@pytest.mark.parametrize("url", [*ALL_FEEDS, "/en/topics/the-topic/feed/atom/"])
def test_plain_text_leaves_the_feeds_as_text_never_as_markup(client, url):
    """A lead, a topic's or an expert's name is plain text: a reader that renders a feed's HTML
    fields (RSS <description>, Atom <summary type="html">) shows what was typed, and nothing runs."""
    topic = TopicFactory(name=f"Topic {PAYLOAD}", slug="the-topic")
    expert = ExpertFactory(name=f"Expert {PAYLOAD}", slug="the-expert", organisation=PAYLOAD)
    ArticleFactory(title="A piece", lead=f"Lead {PAYLOAD}", authors=[expert], topics=[topic])

    response, _ = parse(client, url)

    shown = []
    for element in ("description", "summary"):  # as XML gives them to the reader, then read as HTML
        for value in re.findall(rf"<{element}[^>]*>(.*?)</{element}>", response.content.decode(), re.S):
            assert html_in(html.unescape(value)) == [], (element, value)
            shown.append(BeautifulSoup(html.unescape(value), "html.parser").get_text())
    assert f"Lead {PAYLOAD}" in shown


@pytest.mark.parametrize("url", ALL_FEEDS)
def test_a_control_character_typed_or_stored_never_breaks_a_feed(client, editor, article_form, url):
    """U+000B in a title once made every feed that listed it answer 500 until the article was edited."""
    topic = TopicFactory(name="Korea", slug="the-topic")
    expert = ExpertFactory(name="Richard Weitz", slug="the-expert")
    client.force_login(editor)
    response = client.post(
        "/admin/articles/article/add/",
        article_form(
            title="Vertical\x0btab",
            lead="Form\x0cfeed lead",
            status="published",
            published_at_0="2020-01-01",
            published_at_1="10:00",
            topics=[topic.pk],
            **{
                "article_authors-TOTAL_FORMS": "1",
                "article_authors-0-expert": str(expert.pk),
                "article_authors-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302, response.context["errors"]
    typed = Article.objects.get(slug="a-new-commentary")
    assert typed.title == "Verticaltab"
    stored = ArticleFactory(title="Stored", authors=[expert], topics=[topic])
    Article.objects.filter(pk=stored.pk).update(title="Stored\x0b by SQL", lead="\x1b[31m")  # skips save()
    client.logout()

    _, feed = parse(client, url)

    assert {entry.title for entry in feed.entries} >= {"Verticaltab", "Stored by SQL"}
