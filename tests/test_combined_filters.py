"""Filters combined, with or without words, are answered by the search index (issue 29): the
index holds each article's topics, authors, category, source, year and language as terms. These
tests hold it to what the filters mean, checked against the articles themselves."""

import itertools
import random
from urllib.parse import urlencode

import pytest
from django.db import connection

from articles.models import Article, Topic
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

# A page combining filters: SQLite checks the public and language terms apart from the index
# (articles.search.sqlite.match_ids), a query more for the match and one for the facets' bases.
COMBINED_QUERIES = {"sqlite": 15, "postgresql": 13}


@pytest.fixture
def archive():
    """Forty-odd pieces drawn over a small tree of topics, three experts, two categories, two
    sources, three years and two languages, with a draft and a scheduled piece in every corner."""
    rng = random.Random(29)
    world = type("World", (), {})()
    world.asia = TopicFactory(slug="asia", kind=Topic.Kind.REGION)
    world.korea = TopicFactory(slug="korea", kind=Topic.Kind.REGION, parent=world.asia)
    world.security = TopicFactory(slug="security")
    world.nuclear = TopicFactory(slug="nuclear", parent=world.security)
    world.trade = TopicFactory(slug="trade")
    world.topics = [world.asia, world.korea, world.security, world.nuclear, world.trade]
    world.experts = [ExpertFactory(slug=f"e{n}") for n in range(3)]
    world.categories = [CategoryFactory(slug=f"c{n}") for n in range(2)]
    world.sources = [SourceFactory(slug=f"s{n}") for n in range(2)]
    for number in range(44):
        kwargs = {
            "title": f"Piece {number}" + (" reactor" if number % 3 == 0 else ""),
            "topics": rng.sample(world.topics, rng.randint(0, 2)),
            "authors": rng.sample(world.experts, rng.randint(0, 2)),
            "category": rng.choice(world.categories),
            "source": rng.choice([*world.sources, None]),
            "language": rng.choice(["en", "en", "ru"]),
        }
        if number % 11 == 5:
            draft(**kwargs)
        elif number % 11 == 7:
            scheduled(**kwargs)
        else:
            ArticleFactory(published_at=on(rng.choice([2014, 2015, 2016]), 1 + number % 12, 10), **kwargs)
    return world


def expected(
    world,
    *,
    topic=None,
    expert=None,
    category=None,
    source=None,
    year=None,
    language=None,
    word=None,
    days=None,
):
    """The published pieces the filters describe, found by reading each piece: no index involved."""
    found = set()
    for article in Article.objects.published().prefetch_related("topics", "article_authors"):
        topics = set()
        for tagged in article.topics.all():
            while tagged is not None:  # a piece under a subtopic is under its parents
                topics.add(tagged.slug)
                tagged = tagged.parent
        experts = {byline.expert.slug for byline in article.article_authors.all()}
        if (
            (topic is None or topic in topics)
            and (expert is None or expert in experts)
            and (category is None or article.category.slug == category)
            and (source is None or (article.source and article.source.slug == source))
            and (year is None or article.published_at.year == year)
            and (language is None or article.language == language)
            and (word is None or word in article.title.lower())
            and (days is None or days[0] <= article.published_at.date().isoformat() <= days[1])
        ):
            found.add(article.slug)
    return found


def listed(client, **filters):
    response = client.get("/api/articles/", {"page_size": 100, "language": "all", **filters})
    assert response.status_code == 200
    return {item["slug"] for item in response.json()["results"]}


DIMENSIONS = {
    "topic": ["asia", "korea", "security", "nuclear", "trade"],
    "expert": ["e0", "e1", "e2"],
    "category": ["c0", "c1"],
    "source": ["s0", "s1"],
    "year": [2014, 2015, 2016],
}


def test_every_pair_and_triple_of_filters_lists_what_the_filters_say(client, archive):
    tried = 0
    for size in (2, 3):
        for names in itertools.combinations(DIMENSIONS, size):
            for values in itertools.product(*(DIMENSIONS[name][:2] for name in names)):
                filters = dict(zip(names, values, strict=True))
                assert listed(client, **filters) == expected(archive, **filters), filters
                tried += 1
    assert tried > 50


def test_a_search_with_filters_lists_the_matching_pieces_the_filters_say(client, archive):
    for filters in (
        {"topic": "security"},
        {"expert": "e1", "year": 2015},
        {"topic": "asia", "category": "c0"},
    ):
        assert listed(client, q="reactor", **filters) == expected(archive, word="reactor", **filters)


def test_dates_narrow_a_search_and_its_filters(client, archive):
    for start, end in (
        ("2015-03-01", "2016-02-28"),
        ("2014-01-01", "2014-12-31"),
        ("2016-05-01", "2030-01-01"),
    ):
        for filters in ({}, {"topic": "security"}):
            found = listed(client, q="reactor", date_from=start, date_to=end, **filters)
            assert found == expected(archive, word="reactor", days=(start, end), **filters), (start, filters)


def test_a_page_lists_its_own_language_under_combined_filters(client, archive):
    response = client.get("/ru/articles/", {"topic": "security", "year": 2015})
    shown = {article.slug for article in response.context["articles"]}
    assert shown == expected(archive, topic="security", year=2015, language="ru")


def test_a_topic_moved_under_another_takes_its_pieces_with_it(client, archive):
    before = expected(archive, topic="trade", expert="e0")
    archive.nuclear.parent = archive.trade
    archive.nuclear.save()
    after = expected(archive, topic="trade", expert="e0")
    assert after > before  # the nuclear pieces by e0 are under trade now
    assert listed(client, topic="trade", expert="e0") == after


def test_a_changed_byline_category_or_date_moves_the_piece_between_combinations(client, archive):
    piece = ArticleFactory(
        topics=[archive.trade],
        authors=[archive.experts[0]],
        category=archive.categories[0],
        published_at=on(2015, 3, 1),
    )
    assert piece.slug in listed(client, topic="trade", expert="e0", year=2015)

    piece.article_authors.all().delete()
    assert piece.slug not in listed(client, topic="trade", expert="e0")

    piece.category = archive.categories[1]
    piece.published_at = on(2016, 3, 1)
    piece.save()
    assert piece.slug in listed(client, topic="trade", category="c1", year=2016)
    assert piece.slug not in listed(client, topic="trade", category="c0")


def test_words_never_find_a_filter_term(client, archive):
    """On SQLite the filters are words of a column of their own ("t12"): a search for such a word
    looks in the text alone. On PostgreSQL no word can hold "=" at all."""
    topic = archive.security
    named = ArticleFactory(title=f"The t{topic.pk} and y2015 and len rifles")
    found = listed(client, q=f"t{topic.pk}")
    assert found == {named.slug}
    assert listed(client, q="y2015") == {named.slug}


def test_facets_of_a_combination_count_what_each_choice_would_give(client, archive):
    response = client.get("/en/articles/", {"topic": "security", "expert": "e0", "language": "all"})
    facets = response.context["facets"]
    years = {entry["value"]: entry["count"] for entry in facets["year"]}
    for year, count in years.items():
        assert count == len(expected(archive, topic="security", expert="e0", year=int(year)))
    experts = {entry["value"]: entry["count"] for entry in facets["expert"]}
    for slug, count in experts.items():  # each expert's count with the topic alone
        assert count == len(expected(archive, topic="security", expert=slug))


@pytest.mark.parametrize(
    "chosen",
    [{"q": "reactor"}, {"category": "c0", "year": 2015}, {"expert": "e1", "source": "s0"}],
)
def test_every_facet_counted_over_the_results_counts_what_its_choice_would_give(client, archive, chosen):
    """The filters with nothing chosen count over the results, read once: each count is what its
    link would list (the drafts and scheduled pieces among them, in every corner, left out)."""
    response = client.get("/en/articles/", {**chosen, "language": "all"})

    facets = response.context["facets"]
    given = {"word" if name == "q" else name: value for name, value in chosen.items()}
    counted = 0
    for name in ("topic", "region", "expert", "category", "source", "year"):
        if name in given:
            continue
        for entry in facets[name]:
            choice = {("topic" if name == "region" else name): entry["value"]}
            if name == "year":
                choice = {"year": int(entry["value"])}
            assert entry["count"] == len(expected(archive, **given, **choice)), (name, entry)
            counted += 1
    assert counted >= 5  # the draw gives choices to count in most facets


def test_a_chosen_filters_choices_are_counted_only_over_few_pieces(client, archive, monkeypatch):
    """A filter with a choice made counts its other choices over what the other filters give, when
    that is at most the limit; over more, its choices come without counts (a count reads what it
    counts). The filters with nothing chosen count over the results themselves."""
    under_topic = len(expected(archive, topic="security"))
    by_expert = len(expected(archive, expert="e0"))
    assert by_expert < under_topic  # the archive's draw: e0 writes less than is under the topic
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", under_topic - 1)

    response = client.get("/en/articles/", {"topic": "security", "expert": "e0", "language": "all"})

    facets = response.context["facets"]
    # Without the expert, the topic alone gives more than the limit: offered uncounted.
    assert [(e["value"], e["count"], e["selected"]) for e in facets["expert"]] == [("e0", None, True)]
    # Without the topic, the expert's pieces are few: counted, each what its link would list.
    topics = {entry["value"]: entry["count"] for entry in facets["topic"]}
    assert topics and None not in topics.values()
    for slug, count in topics.items():
        assert count == len(expected(archive, topic=slug, expert="e0"))
    # Nothing chosen: counted over the results.
    for entry in facets["category"]:
        assert entry["count"] == len(
            expected(archive, topic="security", expert="e0", category=entry["value"])
        )


@pytest.mark.parametrize(
    "many, other",
    [
        ({"topic": "security"}, {"expert": "e0"}),
        ({"expert": "e1"}, {"category": "c0"}),
        ({"year": 2015}, {"region": "asia"}),
        ({"category": "c1"}, {"year": 2016}),
    ],
)
def test_a_choice_its_stored_count_says_is_many_is_not_read_for_a_facet(
    client, archive, monkeypatch, many, other
):
    """Without one filter, what is left may be one choice alone (a topic, an expert, a category, a
    year): when its stored count says it holds more than the facets count over, the other filter's
    choices are offered uncounted without reading up to the limit of its pieces."""
    from articles import search

    def pieces(name, value, **more):  # a region is a topic to expected()
        return len(expected(archive, **{"topic" if name == "region" else name: value}, **more))

    alone = {name: pieces(name, value) for name, value in {**many, **other}.items()}
    ((many_name, _),), ((other_name, _),) = many.items(), other.items()
    limit = alone[many_name] - 1
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", limit)
    asked = []
    each_at_most = search.Matches.each_at_most

    def recorded(limit, language, searches):
        asked.extend(searches)
        return each_at_most(limit, language, searches)

    monkeypatch.setattr(search.Matches, "each_at_most", recorded)

    response = client.get("/en/articles/", {**many, **other, "language": "all"})

    facets = response.context["facets"]
    assert facets[other_name] and all(entry["count"] is None for entry in facets[other_name]), "uncounted"
    other_is_few = alone[other_name] <= limit
    assert len(asked) == other_is_few, "only the other filter alone was looked for, if it may be few"
    for entry in facets[many_name]:
        assert (entry["count"] is not None) == other_is_few
        if other_is_few:  # each choice counted with the other filter alone
            value = int(entry["value"]) if many_name == "year" else entry["value"]
            assert entry["count"] == pieces(other_name, other[other_name], **{many_name: value})


def test_one_filter_on_the_whole_archive_shows_its_choices_stored_counts(client, archive):
    """?category=c0 alone: the other categories' counts are the whole archive's (stored), the chosen
    one marked; the other filters count the results."""
    response = client.get("/en/articles/", {"category": "c0", "language": "all"})

    facets = response.context["facets"]
    assert [(e["value"], e["count"], e["selected"]) for e in facets["category"]] == [
        ("c0", len(expected(archive, category="c0")), True),
        ("c1", len(expected(archive, category="c1")), False),
    ]
    for entry in facets["year"]:
        assert entry["count"] == len(expected(archive, category="c0", year=int(entry["value"])))


@pytest.mark.parametrize(
    ("path", "filters", "topic", "language"),
    [
        ("/en/topics/security/", {}, "security", "en"),
        ("/en/topics/security/", {"category": "c1"}, "security", "en"),
        ("/ru/topics/asia/", {"language": "all"}, "asia", None),
        ("/en/articles/", {"region": "asia", "category": "c0", "language": "ru"}, "asia", "ru"),
    ],
)
@pytest.mark.parametrize("few", [False, True])
def test_one_topics_categories_are_counted_as_stored_however_many_its_pieces(
    client, archive, monkeypatch, path, filters, topic, language, few
):
    """On a topic's page, or with one topic chosen, each category counts the topic's pieces of it
    in the listing's language (TopicCategoryTally), whether the pieces are more than facets count
    over or few (then counted over the results' rows unless a category is chosen); the chosen
    category is marked."""
    if not few:
        monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 0)

    facets = client.get(path, filters).context["facets"]

    wanted = {
        category.slug: len(expected(archive, topic=topic, category=category.slug, language=language))
        for category in archive.categories
    }
    shown = {entry["value"]: (entry["count"], entry["selected"]) for entry in facets["category"]}
    assert shown == {
        slug: (count, slug == filters.get("category")) for slug, count in wanted.items() if count
    }
    if not few:
        assert all(entry["count"] is None for entry in facets["source"]), "the others are not counted"


def test_the_facets_take_as_many_queries_counted_or_not(count_queries, archive, monkeypatch):
    """However many pieces each filter's choices would count over, the page takes a fixed number of
    queries: the matches without each filter are looked for together."""
    url = "/en/articles/?topic=security&expert=e0&year=2015&language=all"
    counted = count_queries(url)
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 0)
    uncounted = count_queries(url)

    assert counted <= COMBINED_QUERIES[connection.vendor]
    assert uncounted <= COMBINED_QUERIES[connection.vendor]


def test_the_migration_gives_an_archive_indexed_before_its_filter_terms(client, archive):
    """Migration 0034: an index written before filters were terms (rows as they were) gains them."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0034_filters_in_the_index")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            filter_lexemes = "ARRAY(SELECT lexeme FROM unnest({}) WHERE lexeme ~ '^.=')"
            cursor.execute(
                "UPDATE articles_articlesearch SET"
                " document = ts_delete(document, " + filter_lexemes.format("document") + "),"
                " summary = ts_delete(summary, " + filter_lexemes.format("summary") + ")"
            )
        else:
            cursor.execute("ALTER TABLE articles_fts RENAME TO articles_fts_now")
            cursor.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, authors, topics)")
            cursor.execute(
                "INSERT INTO articles_fts (rowid, title, lead, body, authors, topics)"
                " SELECT rowid, title, lead, body, authors, topics FROM articles_fts_now"
            )
            cursor.execute("DROP TABLE articles_fts_now")

    migration.fill(apps, connection)
    import_module("articles.migrations.0043_summary_pairs_fts").fill(connection)  # SQLite's word pairs

    for filters in ({"topic": "security", "expert": "e0"}, {"category": "c1", "year": 2015}):
        assert listed(client, **filters) == expected(archive, **filters) != set()
    assert listed(client, q="reactor", topic="asia") == expected(archive, word="reactor", topic="asia")


def test_a_filter_on_a_topic_or_expert_page_combines_with_the_page_in_the_index(client, archive):
    for page, own in (("/en/topics/security/", {"topic": "security"}), ("/en/experts/e1/", {"expert": "e1"})):
        for filters in ({"expert": "e0"}, {"year": 2015}, {"category": "c1"}, {"q": "reactor"}):
            if set(filters) & set(own):
                continue
            response = client.get(page, {**filters, "language": "all"})
            shown = {article.slug for article in response.context["articles"]}
            word = filters.pop("q", None)
            assert shown == expected(archive, word=word, **own, **filters), (page, filters)


@pytest.mark.parametrize(
    "filters, wanted",
    [
        ({"topic": "asia", "year": 2015}, {"topic": "asia", "year": 2015}),
        (
            {"region": "asia", "year": 2014, "language": "ru"},
            {"topic": "asia", "year": 2014, "language": "ru"},
        ),
        (
            {"expert": "e2", "year": 2014, "date_to": "2014-06-30"},
            {"expert": "e2", "year": 2014, "days": ("2014-01-01", "2014-06-30")},
        ),
        (
            {"topic": "security", "date_from": "2015-03-01", "date_to": "2016-12-31"},
            {"topic": "security", "days": ("2015-03-01", "2016-12-31")},
        ),
    ],
)
def test_one_topic_or_expert_in_a_year_or_dates_is_read_off_its_timeline(
    client, archive, monkeypatch, filters, wanted
):
    """The pieces of one topic or one expert in a year or between dates are a range of its stored
    timeline: the index is not asked for them, and what the page lists and counts is the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def not_asked(*args, **kwargs):
        raise AssertionError("the index was asked for the match")

    for backend in ("postgres", "sqlite"):
        for asked in ("match_ids", "match_ids_counted", "count_matches"):
            monkeypatch.setattr(f"articles.search.{backend}.{asked}", not_asked)
    filters = {"language": "all", **filters}
    wanted = {"language": None, **wanted}

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/articles/", filters)

    assert any("articles_timeline" in query["sql"] for query in queries.captured_queries)
    assert len(expected(archive, **wanted)) >= 2, "the draw gives a listing"
    assert [article.slug for article in response.context["articles"]] == in_order(expected(archive, **wanted))
    assert response.context["page_obj"].paginator.count == len(expected(archive, **wanted))
    # Each filter's choices counted over what the others give, the timeline's range among them.
    years = {entry["value"]: entry["count"] for entry in response.context["facets"]["year"]}
    if "year" in filters:
        without_year = {name: value for name, value in wanted.items() if name != "year"}
        for year, count in years.items():
            assert count == len(expected(archive, **without_year, year=int(year)))
    for entry in response.context["facets"]["category"]:  # a choice all of them have is left out
        assert entry["count"] == len(expected(archive, **wanted, category=entry["value"]))


def walked(client, path, filters):
    """The slugs a listing shows, page after page to its last, in order."""
    shown, page = [], 1
    while True:
        response = client.get(path, {**filters, "page": page})
        assert response.status_code == 200
        shown += [article.slug for article in response.context["articles"]]
        if not response.context["page_obj"].has_next():
            return shown
        page += 1


def api_walked(client, filters, *, count):
    """The slugs the API lists, two a page, following its `next` links; each page says `count`."""
    shown = []
    url = "/api/articles/?" + urlencode({"page_size": 2, **filters}, doseq=True)
    while url:
        page = client.get(url).json()
        assert page["count"] == count
        shown += [item["slug"] for item in page["results"]]
        url = page["next"]
    return shown


def in_order(slugs, *, oldest=False):
    pieces = sorted(Article.objects.filter(slug__in=slugs), key=lambda a: (a.published_at, a.pk))
    return [piece.slug for piece in (pieces if oldest else reversed(pieces))]


@pytest.fixture
def many_matches(monkeypatch):
    """Filters alone matching more than the index lists (search.MATCH_LIMIT) are listed off the
    timeline of one topic or expert, with the other filters checked on its rows: two pieces a page,
    so that pages follow one another."""
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 1)
    monkeypatch.setattr("articles.listing.ARTICLES_PER_PAGE", 2)


def any_of(world, name, slugs, **filters):
    """What `filters` give with any of `slugs` chosen for the filter `name`."""
    return set().union(*(expected(world, **{name: slug}, **filters) for slug in slugs))


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"topic": "security", "expert": "e0"}, lambda w: expected(w, topic="security", expert="e0")),
        (
            {"topic": "asia", "expert": "e1", "sort": "oldest"},
            lambda w: expected(w, topic="asia", expert="e1"),
        ),
        (
            {"region": "asia", "topic": "security"},
            lambda w: expected(w, topic="asia") & expected(w, topic="security"),
        ),
        (
            {"topic": "security", "year": 2015, "language": "en"},
            lambda w: expected(w, topic="security", year=2015, language="en"),
        ),
        (
            {"expert": "e2", "category": "c1", "source": "s0"},
            lambda w: expected(w, expert="e2", category="c1", source="s0"),
        ),
        (
            {"topic": "asia", "category": "c0", "date_from": "2014-06-01", "date_to": "2016-03-31"},
            lambda w: expected(w, topic="asia", category="c0", days=("2014-06-01", "2016-03-31")),
        ),
        (
            {"topic": ["security", "trade"], "expert": "e0"},
            lambda w: any_of(w, "topic", ["security", "trade"], expert="e0"),
        ),
        (
            {"expert": ["e0", "e1"], "topic": "nuclear"},
            lambda w: any_of(w, "expert", ["e0", "e1"], topic="nuclear"),
        ),
        (
            {"expert": "e1", "date_from": "2014-05-01", "sort": "oldest"},
            lambda w: expected(w, expert="e1", days=("2014-05-01", "9999-12-31")),
        ),
    ],
)
def test_filters_matching_more_than_the_index_lists_are_listed_in_order(
    client, archive, many_matches, filters, wanted
):
    wanted = wanted(archive)
    assert len(wanted) >= 2, "the draw gives more than MATCH_LIMIT"

    in_the_api = api_walked(client, {"language": "all", **filters}, count=len(wanted))
    shown = walked(client, "/en/articles/", {"language": "all", **filters})

    assert shown == in_the_api == in_order(wanted, oldest=filters.get("sort") == "oldest")


@pytest.mark.parametrize("cap", [1, 2, 100])
@pytest.mark.parametrize("since", [None, "2014-04-01", "2015-03-01", "2016-09-01"])
def test_filters_matching_more_than_the_index_lists_are_counted_up_to_the_cap(
    client, archive, many_matches, monkeypatch, cap, since
):
    """Filters alone matching more than the index lists are counted up to the cap (then "N+"), on
    the site and in the API alike, a date narrowing them or not."""
    monkeypatch.setattr("articles.pagination.COUNT_CAP", cap)
    filters = {"category": "c0", "source": "s0", "language": "all"}
    wanted = expected(archive, category="c0", source="s0", days=(since or "0000", "9999-12-31"))
    if since:
        filters["date_from"] = since

    paginator = client.get("/en/articles/", filters).context["page_obj"].paginator
    in_the_api = client.get("/api/articles/", filters).json()["count"]

    assert (paginator.count, paginator.capped) == (min(len(wanted), cap), len(wanted) > cap)
    assert in_the_api == min(len(wanted), cap)


def test_a_page_narrowed_to_many_lists_its_own_language_in_order(client, archive, many_matches):
    wanted = any_of(archive, "expert", ["e0", "e1"], topic="asia", language="ru")
    assert len(wanted) >= 2
    assert walked(client, "/ru/topics/asia/", {"expert": ["e0", "e1"]}) == in_order(wanted)


def listed_off_a_timeline(captured):
    """Whether a page's articles were taken off a timeline: their query reads its rows."""
    return any(
        "articles_timeline" in query["sql"] and '"articles_article"."title"' in query["sql"]
        for query in captured.captured_queries
    )


def test_many_matches_are_listed_off_a_timeline_in_as_many_queries(
    client, archive, many_matches, count_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wanted = expected(archive, topic="security", category="c0")
    assert len(wanted) >= 2
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/topics/security/", {"category": "c0", "language": "all"})
    with CaptureQueriesContext(connection) as api_queries:
        api = client.get("/api/articles/", {"topic": "security", "category": "c0", "language": "all"})
    # The newest, off the topic's timeline: its rows read, not every article by date.
    for captured in (queries, api_queries):
        assert listed_off_a_timeline(captured)
    assert [article.slug for article in response.context["articles"]] == in_order(wanted)[:2]
    assert [item["slug"] for item in api.json()["results"]] == in_order(wanted)[:20]
    url = "/en/articles/?topic=security&expert=e0&year=2015&language=all"
    assert count_queries(url) <= COMBINED_QUERIES[connection.vendor]


@pytest.mark.parametrize(
    "filters",
    [
        {"topic": "security", "category": "c0"},
        {"topic": "security", "expert": "e0"},
        {"topic": "security", "year": 2015},
    ],
    ids=[
        "another filter checked on the walk",
        "a topic and an expert, counted as stored",
        "a range of one timeline",
    ],
)
def test_a_page_too_deep_for_a_walk_sorts_the_match_instead(
    client, archive, many_matches, monkeypatch, settings, filters
):
    """Past about WALKED_AT_MOST rows of the timeline, a page is taken from the match sorted by
    date (a walk reads more rows the deeper the page): the same pieces in the same order, on the
    site and in the API, counted alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0  # each page rendered again
    wanted = in_order(expected(archive, **filters))
    filters = {"language": "all", **filters}

    walked_pages = walked(client, "/en/articles/", filters)
    monkeypatch.setattr("articles.filters.WALKED_AT_MOST", 0)
    with CaptureQueriesContext(connection) as queries:
        sorted_pages = walked(client, "/en/articles/", filters)
        in_the_api = api_walked(client, filters, count=len(wanted))

    if "year" not in filters:  # a range of one timeline is the results themselves, walked or not
        assert not listed_off_a_timeline(queries)
    assert sorted_pages == walked_pages == in_the_api == wanted


@pytest.mark.parametrize(
    ("path", "filters", "wanted"),
    [
        ("/en/articles/", {"topic": "security", "expert": "e0", "language": "all"}, {"language": None}),
        ("/en/articles/", {"region": "asia", "expert": "e1"}, {"language": "en"}),
        ("/ru/topics/asia/", {"expert": "e2"}, {"language": "ru"}),
        ("/en/experts/e1/", {"topic": "asia", "language": "ru"}, {"language": "ru"}),
        ("/en/articles/", {"topic": "security", "category": "c0", "language": "all"}, {"language": None}),
        ("/en/articles/", {"region": "asia", "category": "c1"}, {"language": "en"}),
        ("/en/topics/security/", {"category": "c1"}, {"language": "en"}),
        ("/ru/topics/asia/", {"category": "c0", "language": "all"}, {"language": None}),
        ("/en/categories/c1/", {"topic": "security", "language": "all"}, {"language": None}),
    ],
)
def test_a_topic_and_an_expert_or_a_category_matching_many_are_counted_as_stored_without_the_index(
    client, archive, many_matches, monkeypatch, path, filters, wanted
):
    """One topic's (or region's) pieces by one expert, or of one category, in the page's language,
    are counted per language as stored (TopicExpertTally, TopicCategoryTally): when they are more
    than the index lists, the index is not asked for them, and the count is what the pieces give,
    in the listing and in the API."""

    def not_asked(*args, **kwargs):
        raise AssertionError("the index was asked for the match")

    parts = path.strip("/").split("/")  # ["en", "topics", "asia"], ["en", "articles"]
    pages = {"experts": "expert", "topics": "topic", "categories": "category"}
    on_page = {pages[parts[1]]: parts[2]} if len(parts) == 3 else {}
    both = {
        "topic": filters.get("topic") or filters.get("region"),
        "expert": filters.get("expert"),
        "category": filters.get("category"),
        **on_page,
    }
    wanted = expected(archive, **{name: value for name, value in both.items() if value}, **wanted)
    assert len(wanted) >= 2, "the draw gives more than MATCH_LIMIT"
    for backend in ("postgres", "sqlite"):
        for asked in ("match_ids", "match_ids_counted", "count_matches"):
            monkeypatch.setattr(f"articles.search.{backend}.{asked}", not_asked)

    response = client.get(path, filters)

    assert response.context["page_obj"].paginator.count == len(wanted)
    assert walked(client, path, filters) == in_order(wanted)
    if path == "/en/articles/":
        api = {"language": "en", **filters}
        assert api_walked(client, api, count=len(wanted)) == in_order(wanted)
