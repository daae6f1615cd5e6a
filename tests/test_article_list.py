from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from articles.models import Topic
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    on,
    scheduled,
)

pytestmark = pytest.mark.django_db


def titles(response):
    return [article.title for article in response.context["articles"]]


def test_it_lists_published_articles_newest_first(client):
    ArticleFactory(title="Older", published_at=on(2017, 1, 1))
    ArticleFactory(title="Newer", published_at=on(2018, 1, 1))
    draft(title="Secret draft")
    scheduled(title="Future piece")

    response = client.get("/en/articles/")

    assert titles(response) == ["Newer", "Older"]
    assert "Secret draft" not in response.text
    assert "Future piece" not in response.text
    assert "<strong>2</strong> articles" in response.text


def test_a_parent_topic_includes_its_subtopics(client):
    asia = TopicFactory(slug="asia", kind=Topic.Kind.REGION)
    korea = TopicFactory(slug="korea", kind=Topic.Kind.REGION, parent=asia)
    ArticleFactory(title="On Korea", topics=[korea])
    ArticleFactory(title="On Asia", topics=[asia])
    ArticleFactory(title="Elsewhere", topics=[TopicFactory(kind=Topic.Kind.REGION)])

    assert set(titles(client.get("/en/articles/?region=asia"))) == {"On Korea", "On Asia"}
    assert titles(client.get("/en/articles/?region=korea")) == ["On Korea"]


def test_several_topics_give_articles_under_any_of_them(client):
    one, two = TopicFactory(slug="one"), TopicFactory(slug="two")
    ArticleFactory(title="A", topics=[one])
    ArticleFactory(title="B", topics=[two])
    ArticleFactory(title="C", topics=[TopicFactory()])

    assert set(titles(client.get("/en/articles/?topic=one&topic=two"))) == {"A", "B"}


def test_it_filters_by_expert_category_and_source(client):
    weitz = ExpertFactory(slug="weitz")
    opinions = CategoryFactory(slug="opinions")
    valdai = SourceFactory(slug="valdai")
    ArticleFactory(title="Match", authors=[weitz], category=opinions, source=valdai)
    ArticleFactory(title="Other expert", category=opinions, source=valdai, authors=[ExpertFactory()])
    ArticleFactory(title="Other category", authors=[weitz], source=valdai)
    ArticleFactory(title="Other source", authors=[weitz], category=opinions)

    assert set(titles(client.get("/en/articles/?expert=weitz"))) == {
        "Match",
        "Other category",
        "Other source",
    }
    assert set(titles(client.get("/en/articles/?category=opinions"))) == {
        "Match",
        "Other expert",
        "Other source",
    }
    assert titles(client.get("/en/articles/?expert=weitz&category=opinions&source=valdai")) == ["Match"]


def test_it_filters_by_date_range_and_year(client):
    ArticleFactory(title="2016", published_at=on(2016, 12, 31))
    ArticleFactory(title="Spring 2017", published_at=on(2017, 4, 18))
    ArticleFactory(title="Winter 2017", published_at=on(2017, 12, 1))

    assert set(titles(client.get("/en/articles/?year=2017"))) == {"Spring 2017", "Winter 2017"}
    assert titles(client.get("/en/articles/?date_from=2017-04-18&date_to=2017-04-18")) == ["Spring 2017"]
    assert set(titles(client.get("/en/articles/?date_to=2017-04-18"))) == {"2016", "Spring 2017"}


def test_it_sorts_oldest_first_on_request(client):
    ArticleFactory(title="Older", published_at=on(2017, 1, 1))
    ArticleFactory(title="Newer", published_at=on(2018, 1, 1))

    assert titles(client.get("/en/articles/?sort=oldest")) == ["Older", "Newer"]


def test_facet_counts_show_what_each_choice_would_give(client):
    one, two = TopicFactory(slug="one", name="One"), TopicFactory(slug="two", name="Two")
    ArticleFactory.create_batch(3, topics=[one])
    ArticleFactory(topics=[two])
    draft(topics=[two])

    facets = client.get("/en/articles/?topic=one").context["facets"]

    counts = {entry["value"]: (entry["count"], entry["selected"]) for entry in facets["topic"]}
    assert counts == {"one": (3, True), "two": (1, False)}


def test_each_active_filter_can_be_removed_in_one_click(client):
    TopicFactory(slug="one", name="One")
    CategoryFactory(slug="news", name="News")

    response = client.get("/en/articles/?topic=one&category=news&page=1")

    chips = {item["text"]: item["query"] for item in response.context["active_filters"]}
    assert chips == {"One": "category=news", "News": "topic=one"}
    assert 'href="?category=news"' in response.text


def test_it_paginates_and_keeps_the_filters_in_page_links(client):
    topic = TopicFactory(slug="busy")
    ArticleFactory.create_batch(25, topics=[topic])

    first = client.get("/en/articles/?topic=busy")
    second = client.get("/en/articles/?topic=busy&page=2")

    assert len(first.context["articles"]) == 20
    assert len(second.context["articles"]) == 5
    assert "?topic=busy&amp;page=2" in first.text


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=999999",
        "page=1e9",
        "topic=unknown-topic",
        "region=%00",
        "expert=nobody",
        "category=",
        "source=../../etc",
        "date_from=2017-02-31",
        "date_to=not-a-date",
        "year=99999",
        "year=abc",
        "year=-5",
        "sort=sideways",
        "topic=" + "x" * 5000,
        "q=" + "%27%22%3Cscript%3E" * 50,
    ],
)
def test_bad_input_never_gives_a_server_error(client, query):
    ArticleFactory(title="Still here")

    response = client.get(f"/en/articles/?{query}")

    assert response.status_code == 200
    assert "Still here" in response.text or "could not be used" in response.text


def test_an_invalid_filter_is_shown_as_an_error_and_ignored(client):
    ArticleFactory(title="Still here")

    response = client.get("/en/articles/?topic=unknown-topic")

    assert "could not be used" in response.text
    assert titles(response) == ["Still here"]


def test_the_list_takes_a_fixed_number_of_queries(count_queries):
    """Guards against a query per card (authors, category, source) as the list grows."""
    topic, expert = TopicFactory(slug="t"), ExpertFactory(slug="e")
    ArticleFactory(topics=[topic], authors=[expert])
    one = count_queries("/en/articles/?topic=t&expert=e")

    for _ in range(49):
        ArticleFactory(
            topics=[topic, TopicFactory()], authors=[expert, ExpertFactory()], source=SourceFactory()
        )
    fifty = count_queries("/en/articles/?topic=t&expert=e")

    assert one == fifty
    # 12, and one read of the choices' stored counts: which facets' bases are too many to count,
    # known without reading them (ArticleFilterSet.stored_sizes).
    assert fifty <= 13


def test_a_search_narrows_the_list(client):
    ArticleFactory(title="THAAD in Korea")
    ArticleFactory(title="Gas in Europe")

    assert titles(client.get("/en/articles/?q=thaad")) == ["THAAD in Korea"]


def test_dates_are_shown_as_readers_expect(client):
    ArticleFactory(published_at=on(2017, 4, 18))

    assert (
        '<time datetime="2017-04-18T12:00:00+00:00">18 April 2017</time>' in client.get("/en/articles/").text
    )


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", ("2024-12-31T23:30:00+00:00", "31 December 2024")),
        ("Europe/Moscow", ("2025-01-01T02:30:00+03:00", "1 January 2025")),
    ],
)
def test_a_cards_day_is_the_sites_time_zones(client, settings, zone, shown):
    settings.TIME_ZONE = zone
    ArticleFactory(published_at=datetime(2024, 12, 31, 23, 30, tzinfo=UTC))

    time = BeautifulSoup(client.get("/en/articles/").text, "html.parser").select_one(".card__meta time")

    assert (time["datetime"], time.get_text()) == shown


def test_a_cards_lead_is_cut_at_a_word_and_a_short_one_shown_whole(client):
    ArticleFactory(title="Long", lead="Deterrence on the peninsula " * 12, published_at=on(2020, 1, 2))
    ArticleFactory(title="Short", lead="A short  lead,\nwritten on two lines.", published_at=on(2020, 1, 1))

    page = BeautifulSoup(client.get("/en/articles/").text, "html.parser")
    leads = [lead.get_text() for lead in page.select(".card__lead")]

    whole = "Deterrence on the peninsula " * 12
    cut = leads[0].removesuffix("…")
    assert len(leads[0]) <= 280 and leads[0].endswith("…") and whole.startswith(cut)
    assert whole[len(cut)] == " "  # at the end of a word
    assert leads[1] == "A short lead, written on two lines."


def test_the_list_is_reachable_yesterday_and_tomorrow_alike(client):
    """Scheduled articles appear by themselves once their time has come."""
    article = scheduled(title="Later")
    assert "Later" not in client.get("/en/articles/").text

    article.published_at = timezone.now() - timedelta(minutes=1)
    article.save()

    assert "Later" in client.get("/en/articles/").text


def test_counts_and_pages_stop_at_the_cap(client, monkeypatch):
    """Neither COUNT nor OFFSET may grow with the archive: past the cap the list says "N+"."""
    monkeypatch.setattr("articles.pagination.COUNT_CAP", 30)
    ArticleFactory.create_batch(45)

    response = client.get("/en/articles/?page=9")

    assert "<strong>30+</strong> articles" in response.text
    assert response.context["page_obj"].paginator.num_pages == 2
    assert response.context["page_obj"].number == 2


def test_facets_of_large_results_come_without_counts(client, monkeypatch):
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 2)
    topic = TopicFactory(slug="korea", name="Korea")
    expert = ExpertFactory(slug="weitz", name="Richard Weitz")
    ArticleFactory.create_batch(3, topics=[topic], authors=[expert], published_at=on(2017, 4, 18))

    response = client.get("/en/articles/?expert=weitz")

    facets = response.context["facets"]
    assert [(e["value"], e["count"]) for e in facets["topic"]] == [("korea", None)]
    assert [(e["value"], e["count"], e["selected"]) for e in facets["expert"]] == [("weitz", None, True)]
    assert ("2017", None) in [(e["value"], e["count"]) for e in facets["year"]]
    assert "None" not in response.text


def test_a_large_filtered_list_shows_choices_without_counts(client, monkeypatch):
    """(The whole archive, unfiltered, shows its stored counts: tests/test_tallies.py.)"""
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 2)
    CategoryFactory(slug="news", name="News")
    ArticleFactory.create_batch(3)

    response = client.get("/en/articles/?date_from=2000-01-01")

    assert response.status_code == 200
    assert "news" in [entry["value"] for entry in response.context["facets"]["category"]]


def test_a_large_taxonomy_lists_the_most_frequent_topics_and_the_chosen_one(client, monkeypatch):
    monkeypatch.setattr("articles.filters.TOPICS_SHOWN", 2)
    busy, medium, rare = (
        TopicFactory(name="Busy"),
        TopicFactory(name="Medium"),
        TopicFactory(name="Rare", slug="rare"),
    )
    ArticleFactory.create_batch(3, topics=[busy])
    ArticleFactory.create_batch(2, topics=[medium])
    ArticleFactory(topics=[rare])

    entries = client.get("/en/articles/?topic=rare").context["facets"]["topic"]

    assert [entry["label"] for entry in entries] == ["Busy", "Medium", "Rare"]


def test_a_region_given_as_a_topic_is_what_the_reader_meant_and_an_unknown_one_is_said_plainly(client):
    korea = TopicFactory(slug="korean-peninsula", name="Korean Peninsula", kind=Topic.Kind.REGION)
    ArticleFactory(title="On Korea", topics=[korea])
    ArticleFactory(title="Elsewhere")

    page = client.get("/en/articles/?topic=korean-peninsula")
    assert "On Korea" in page.text and "Elsewhere" not in page.text
    assert "could not be used" not in page.text

    unknown = client.get("/ru/articles/?topic=nowhere")
    assert "Тема: здесь нет ничего под названием “nowhere”." in unknown.text
    assert "Select a valid choice" not in unknown.text and "topic:" not in unknown.text


@pytest.mark.parametrize(("zone", "year"), [("UTC", "2024"), ("Europe/Moscow", "2025")])
def test_the_year_facet_counts_a_piece_in_the_year_of_the_sites_time_zone(client, settings, zone, year):
    """New Year's Eve at 23:30 UTC is already the new year in Moscow: a site on Moscow time
    counts the piece under 2025, as its year filter lists it."""
    settings.TIME_ZONE = zone
    interviews = CategoryFactory(slug="interviews")
    ArticleFactory(category=interviews, published_at=datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    ArticleFactory(category=interviews, published_at=on(2023, 6, 1))

    response = client.get("/en/articles/?category=interviews")

    counted = {e["value"]: e["count"] for e in response.context["facets"]["year"]}
    assert counted == {year: 1, "2023": 1}
    assert len(client.get(f"/en/articles/?category=interviews&year={year}").context["articles"]) == 1
