"""Full-text search, as readers use it; the same tests run on SQLite (FTS5) and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search
from articles.filters import ArticleFilterSet
from articles.models import Article, Topic
from articles.search import postgres
from articles.search.documents import Document, words_of
from articles.search.query import parse
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


def found(text):
    return [article.title for article in search.search(Article.objects.published(), text)]


def results(client, text, **params):
    response = client.get("/en/search/", {"q": text, **params})
    assert response.status_code == 200
    return response


def test_it_stems_english_words():
    ArticleFactory(title="Missile defense in Asia")

    assert found("defenses") == ["Missile defense in Asia"]
    assert found("missiles") == ["Missile defense in Asia"]


def test_all_words_must_match():
    ArticleFactory(title="THAAD in Korea")
    ArticleFactory(title="THAAD in Europe")

    assert found("thaad korea") == ["THAAD in Korea"]


def test_a_quoted_phrase_matches_the_words_in_order():
    ArticleFactory(title="Missile defense for Korea")
    ArticleFactory(title="Defense against a missile")

    assert found('"missile defense"') == ["Missile defense for Korea"]


@pytest.mark.parametrize(
    "phrase",
    [
        '"missile defense of europe"',  # a stop word inside: the pair around it is no pair
        '"defense of europe"',  # two words apart only: no pair required at all
        '"new missile defense systems"',  # three pairs, all required
        '"O\'Neil says"',  # an apostrophe splits a word
        '"missile defense" europe',  # a phrase and a word
    ],
)
def test_phrases_find_the_pieces_with_those_words_in_that_order_in_any_field(phrase):
    ArticleFactory(
        title="Plans",
        body="<p>O'Neil says the new missile defense systems matter for the missile defense of Europe.</p>",
    )
    ArticleFactory(title="Europe", body="<p>Systems of defense, missile after missile, say Europe.</p>")

    assert found(phrase) == ["Plans"]


def test_a_phrase_with_filters_finds_the_public_pieces_it_and_they_describe(client):
    """A phrase of two words is decided by its pair (on PostgreSQL, without its words looked up
    again), and the filters, the page's language and the publication rule still apply. A stop word
    beside the phrase is passed over, as it is beside any word."""
    korea = TopicFactory(slug="korea")
    kwargs = {"body": "<p>The new missile defense systems, and their radars.</p>", "topics": [korea]}
    wanted = ArticleFactory(title="Wanted", **kwargs)
    ArticleFactory(title="Elsewhere", body=kwargs["body"])  # not under the topic
    ArticleFactory(title="Apart", body="<p>A missile, and defense systems.</p>", topics=[korea])
    ArticleFactory(title="Russian", language="ru", **kwargs)
    draft(title="Draft", **kwargs)
    scheduled(title="Scheduled", **kwargs)

    asked = (
        '"missile defense"',
        '"missile defense" radars',
        '"missile defense" "new missile"',
        '"missile defense" the',
    )
    for text in asked:
        response = results(client, text, topic="korea")
        assert [article.slug for article in response.context["articles"]] == [wanted.slug], text
    everywhere = results(client, '"defense systems"').context["articles"]
    assert sorted(article.title for article in everywhere) == ["Apart", "Elsewhere", "Wanted"]


@pytest.mark.parametrize("phrase", ['"missile defense"', '"new missile defense"', '"missile defense" new'])
def test_past_the_match_limit_a_phrase_in_a_title_ranks_first(client, monkeypatch, phrase):
    """More pieces hold the phrase than the best listed (MATCH_LIMIT): the one with it in its title,
    the newest piece, comes first. On PostgreSQL the summaries' RUM index gave a phrase's matches
    in its own order, which was not their rank (at a million articles its first three for "missile
    defense" had the phrase in their leads alone, ahead of the titles holding it); the summaries
    holding the phrase's pairs are now ranked on their rows (postgres.on_summary_pairs). On SQLite
    the phrase is ranked as its pair token, in the columns of pairs (sqlite.summary_term)."""
    for number in range(3):
        ArticleFactory(
            title=f"Plans {number}", lead="The new missile defense systems.", published_at=on(2001, 1, 1)
        )
    ArticleFactory(title="Apart", lead="New defense against a missile.", published_at=on(2001, 1, 1))
    titled = ArticleFactory(title="The new missile defense", published_at=on(2020, 1, 1))
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)
    if connection.vendor == "postgresql":  # the indexes' plans of a large archive, as at a million
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")

    shown = [article.title for article in results(client, phrase).context["articles"]]

    assert shown[0] == titled.title
    assert "Apart" not in shown
    if connection.vendor == "postgresql":  # without the rum extension: ts_rank on the same rows
        monkeypatch.setattr("articles.search.postgres.ranks_on_index", lambda: False)
        cache.clear()  # the page as it was is cached
        assert results(client, phrase).context["articles"][0] == titled


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table gains the pairs")
def test_the_migration_gives_an_archive_indexed_before_the_word_pairs_its_pairs(client, monkeypatch):
    """Migration 0043: the FTS5 table made again with each summary column's word pairs, made from
    the stems it holds, so that a phrase past the match limit is ranked off them as after a save."""
    from importlib import import_module

    migration = import_module("articles.migrations.0043_summary_pairs_fts")
    for number in range(3):
        ArticleFactory(title=f"Plans {number}", lead="Missile defense, at last.", published_at=on(2001, 1, 1))
    titled = ArticleFactory(title="Missile defense", published_at=on(2020, 1, 1))
    migration.unfill(connection)  # the table as it was before 0043
    migration.fill(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT title_pairs FROM articles_fts WHERE rowid = %s", [titled.pk])
        assert cursor.fetchone()[0] == "missil\ue000defens"
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)

    shown = results(client, '"missile defense"').context["articles"]

    assert shown[0] == titled
    assert search.sqlite.best_ids(parse('"missile defense"'), 2) == [titled.pk, shown[1].pk]


def test_a_quote_left_open_runs_to_the_end():
    ArticleFactory(title="Missile defense for Korea")

    assert found('"missile defense') == ["Missile defense for Korea"]


def test_a_minus_excludes_a_word_or_phrase():
    ArticleFactory(title="Korea and China")
    ArticleFactory(title="Korea and Russia")

    assert found("korea -china") == ["Korea and Russia"]
    assert found('korea -"and china"') == ["Korea and Russia"]


@pytest.mark.parametrize("filters", [{}, {"topic": "korea"}, {"category": "interviews"}])
@pytest.mark.parametrize("text", ["what the", "what the -tariffs"])
@pytest.mark.parametrize("limit", [None, 2])
def test_a_search_for_stop_words_never_lists_pieces_without_them(client, monkeypatch, filters, text, limit):
    """Also beside an exclusion, and past MATCH_LIMIT matches, where the best are ranked first."""
    korea = TopicFactory(name="Korea", slug="korea")
    category = CategoryFactory(name="Interviews", slug="interviews")
    asked = ArticleFactory(title="What Pyongyang wants", topics=[korea], category=category)
    ArticleFactory.create_batch(3, title="Sanctions outlook", topics=[korea], category=category)
    if limit:
        monkeypatch.setattr("articles.search.MATCH_LIMIT", limit)

    for path in ("/en/search/", "/en/articles/"):
        listed = client.get(path, {"q": text, **filters}).context["articles"]

        # PostgreSQL drops English stop words (nothing left to look for), SQLite indexes them;
        # with the filters' terms alone left, every piece was listed; with the exclusion alone
        # left, every piece without "tariffs".
        assert set(listed) <= {asked}


def test_or_accepts_either_word():
    ArticleFactory(title="China policy")
    ArticleFactory(title="Russia policy")
    ArticleFactory(title="Japan policy")

    assert sorted(found("china or russia")) == ["China policy", "Russia policy"]
    assert sorted(found("policy china OR russia")) == ["China policy", "Russia policy"]


def test_a_title_match_outranks_a_body_only_match():
    ArticleFactory(title="Nothing relevant here", body="<p>THAAD is discussed in the body.</p>")
    ArticleFactory(title="THAAD deployment", body="<p>About missile defence.</p>")

    assert found("thaad") == ["THAAD deployment", "Nothing relevant here"]


def test_equal_matches_come_newest_first():
    newer = ArticleFactory(title="THAAD two")
    older = ArticleFactory(
        title="THAAD one", published_at=newer.published_at.replace(year=newer.published_at.year - 1)
    )

    assert found("thaad") == [newer.title, older.title]


def test_authors_and_topics_are_searchable():
    weitz = ExpertFactory(name="Richard Weitz")
    ArticleFactory(title="On the peninsula", authors=[weitz], topics=[TopicFactory(name="Nuclear Security")])

    assert found("weitz") == ["On the peninsula"]
    assert found("nuclear security") == ["On the peninsula"]


def test_drafts_and_scheduled_pieces_are_never_found(client):
    draft(title="Secret THAAD plan", body="<p>zanzibarian</p>")
    scheduled(title="Future THAAD plan")

    assert found("thaad") == []
    response = results(client, "zanzibarian")
    assert "Secret" not in response.text
    assert response.context["suggestion"] is None


def test_results_show_a_highlighted_snippet_of_the_matched_passage(client):
    ArticleFactory(
        title="Korea",
        lead="A lead.",
        body="<p>Something first. Later the deployment of THAAD & <b>other</b> systems was decided.</p>",
    )

    response = results(client, "deployment")

    card = response.context["articles"][0]
    assert "<mark>deployment</mark>" in card.snippet
    assert "&amp;" in card.snippet and "<b>" not in card.snippet
    assert "<mark>deployment</mark>" in response.text


def test_a_snippet_never_carries_markup_from_the_text(client):
    ArticleFactory(title="Plain", body="<p>The word &lt;script&gt;alert(1)&lt;/script&gt; korea appears.</p>")

    response = results(client, "korea")

    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.context["articles"][0].snippet


def test_characters_stored_in_the_text_never_become_highlights(client):
    """U+E000/U+E001 once marked highlights: typed into a body they became unbalanced <mark>s."""
    ArticleFactory(title="Plain", body="<p>Before \ue000evil\ue001 and \ue001 korea appears \ue000 here.</p>")

    snippet = results(client, "korea").context["articles"][0].snippet

    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<mark>korea</mark>" in snippet and "<mark>evil" not in snippet


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        # Snowball rewrites the last letters: "happy" and "happiness" both stem to "happi".
        ("happiness abilities sky", {"happy", "ability", "skies"}),
        # Any case, and "ё" read as "е": the words as written, never their stems.
        ("федоров переговорах", {"Фёдоров", "ФЁДОРОВ", "Переговоры"}),
    ],
)
def test_a_passage_marks_the_query_words_however_they_are_written(text, marked):
    article = ArticleFactory(
        lead="",
        body="<p>Nobody was happy with the ability of the skies to clear. Фёдоров said so, and "
        "ФЁДОРОВ again. Переговоры go on; the happenings and the abbey had nothing to do with it.</p>",
    )

    passage = search.snippets([article], text)[article.pk]

    assert set(re.findall(r"<mark>(.*?)</mark>", passage)) == marked


def passage_of(body, text):
    article = ArticleFactory(lead="", body=f"<p>{body}</p>")
    return search.snippets([article], text)[article.pk]


def words_in(passage):
    return re.findall(r"\w+", re.sub(r"</?mark>", "", passage))


def test_a_passage_is_forty_words_about_the_most_matches():
    filler = "Talks went on as planned. " * 30  # 150 words without the query's
    body = f"{filler}One sanction. {filler}Sanctions, sanctioned, sanctions again. {filler}"

    passage = passage_of(body, "sanctions")

    assert len(words_in(passage)) == 40
    assert passage.count("<mark>") == 3  # the three together, not the one alone
    assert passage.startswith("…") and passage.endswith("…")


@pytest.mark.parametrize("where", ["start", "end"])
def test_a_passage_at_either_end_of_the_text_is_forty_words_up_to_it(where):
    filler = "Talks went on as planned. " * 30
    body = f"Sanctions first. {filler}" if where == "start" else f"{filler}Sanctions last."

    passage = passage_of(body, "sanctions")

    assert len(words_in(passage)) == 40 and passage.count("<mark>") == 1
    if where == "start":
        assert passage.startswith("<mark>Sanctions</mark> first.") and passage.endswith("…")
    else:
        assert passage.endswith("<mark>Sanctions</mark> last.") and passage.startswith("…on as planned.")


def test_experts_whose_names_match_appear_above_the_results(client):
    weitz = ExpertFactory(name="Richard Weitz")
    ExpertFactory(name="Richard Roe")
    ArticleFactory(title="Korea now", authors=[weitz])

    response = results(client, "Weitz Korea")

    assert response.context["experts_found"] == [weitz]
    assert response.text.index("Experts:") < response.text.index("Korea now")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Weits", "Weitz"),
        ("Wietz", "Weitz"),
        ("Poznikir", "Poznikhir"),
        ("missle defense", "missile defense"),
    ],
)
def test_did_you_mean_corrects_a_misspelled_name_or_term(client, typed, meant):
    ArticleFactory(
        title="Missile defense",
        body="<p>Viktor Poznikhir said so.</p>",
        authors=[ExpertFactory(name="Richard Weitz")],
    )

    assert results(client, typed).context["suggestion"] == meant


@pytest.mark.parametrize("change", ["unpublished", "rescheduled", "edited away"])
def test_did_you_mean_offers_only_words_that_find_a_published_article_now(client, change):
    article = ArticleFactory(title="Pyongyang talks")
    ArticleFactory(title="Gas pipelines")
    assert results(client, "pyongyng").context["suggestion"] == "pyongyang"

    if change == "unpublished":
        article.unpublish()
    elif change == "rescheduled":
        article.published_at = timezone.now() + timedelta(days=2)
    else:
        article.title = "Seoul talks"
    article.save()

    assert results(client, "pyongyng").context["suggestion"] is None
    assert "pyongyang" not in results(client, "pyongyng").text.lower()


def test_the_vocabulary_holds_every_run_of_three_to_forty_letters_of_every_field_lowercased():
    document = Document(
        article_id=1,
        title="Déjà-vu in Nagorno-Karabakh",
        lead="l'état, U.S. G20summit snake_case",
        body=f"{'x' * 45} 2020 ПЕРЕГОВОРЫ\u00a0В\tМоскве",
        authors="Ivan Petrov",
        topics="Energy",
        is_public=True,
    )

    assert words_of([document]) == {
        *("déjà", "nagorno", "karabakh", "état", "summit", "snake", "case"),
        *("x" * 40, "xxxxx", "переговоры", "москве", "ivan", "petrov", "energy"),
    }


def test_no_suggestion_when_every_word_is_known(client):
    ArticleFactory(title="Missile defense")

    assert results(client, "missile").context["suggestion"] is None


def test_search_combines_with_the_filters_and_their_counts(client):
    korea = TopicFactory(slug="korea", name="Korea")
    ArticleFactory(title="THAAD in Korea", topics=[korea])
    ArticleFactory(title="THAAD in Europe", topics=[TopicFactory(name="Europe")])
    ArticleFactory(title="Gas in Korea", topics=[korea])

    response = results(client, "thaad", topic="korea")

    assert [a.title for a in response.context["articles"]] == ["THAAD in Korea"]
    counts = {entry["value"]: entry["count"] for entry in response.context["facets"]["topic"]}
    assert counts["korea"] == 1


def test_a_search_excluding_a_word_within_a_topic_counts_every_topic_without_that_word(client):
    """The facets of a search that excludes a word count, for each topic, the pieces without it (on
    PostgreSQL each count's match is planned whole: postgres.first_ids)."""
    deterrence, trade = (
        TopicFactory(slug="deterrence", name="Deterrence"),
        TopicFactory(slug="trade", name="Trade"),
    )
    ArticleFactory(title="Security and deterrence", topics=[deterrence])
    ArticleFactory(title="Security and deterrence again", body="<p>Missile defense.</p>", topics=[deterrence])
    ArticleFactory(title="Security and trade", topics=[trade])
    ArticleFactory.create_batch(2, title="Security, trade and missiles", topics=[trade])

    response = results(client, "security -missiles", topic="deterrence")

    assert [a.title for a in response.context["articles"]] == ["Security and deterrence"]
    counts = {entry["value"]: entry["count"] for entry in response.context["facets"]["topic"]}
    assert counts == {"deterrence": 1, "trade": 1}


def test_search_works_on_the_article_list_too(client):
    ArticleFactory(title="THAAD in Korea")
    ArticleFactory(title="Gas in Europe")

    response = client.get("/en/articles/", {"q": "thaad"})

    assert [a.title for a in response.context["articles"]] == ["THAAD in Korea"]


def test_sorting_by_date_overrides_relevance(client):
    first = ArticleFactory(title="THAAD", body="<p>x</p>")
    second = ArticleFactory(
        title="Other", body="<p>THAAD</p>", published_at=first.published_at.replace(year=2099 - 100)
    )

    response = results(client, "thaad", sort="oldest")

    assert [a.pk for a in response.context["articles"]] == sorted(
        [first.pk, second.pk], key=lambda pk: Article.objects.get(pk=pk).published_at
    )


def test_the_index_follows_edits_to_an_article():
    article = ArticleFactory(title="Old title")

    article.title = "Brand new wording"
    article.save()

    assert found("wording") == ["Brand new wording"]
    assert found("old") == []


def test_the_index_follows_a_renamed_author(run_tasks):
    expert = ExpertFactory(name="Richard Weitz")
    ArticleFactory(title="Piece", authors=[expert])

    expert.name = "Richard Weitzmann"
    expert.save()
    run_tasks()

    assert found("weitzmann") == ["Piece"]
    assert found("weitz") == []


def test_the_index_follows_a_renamed_or_retagged_topic(run_tasks):
    topic = TopicFactory(name="Korean Peninsula")
    article = ArticleFactory(title="Piece", topics=[topic])

    topic.name = "Koreas"
    topic.save()
    run_tasks()
    assert found("koreas") == ["Piece"]

    article.topics.remove(topic)
    assert found("koreas") == []


def test_the_index_follows_a_new_author_and_a_deleted_article():
    article = ArticleFactory(title="Piece")
    article.article_authors.create(expert=ExpertFactory(name="Georgy Toloraya"))
    assert found("toloraya") == ["Piece"]

    article.delete()
    assert found("piece") == []


def test_an_unpublished_article_drops_out_of_the_results():
    article = ArticleFactory(title="THAAD")

    article.unpublish()
    article.save()

    assert found("thaad") == []


HOSTILE = [
    '"',
    '""',
    '"""',
    "-",
    "--",
    "- -",
    "or",
    "OR OR",
    "or thaad",
    "thaad or",
    "-thaad",
    "NOT",
    "AND",
    "NEAR(a b)",
    "*",
    "thaad*",
    "^thaad",
    "title:thaad",
    "(",
    ")",
    "((thaad",
    "thaad)",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "%",
    "_",
    "\\",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&amp; &lt;",
    "😀",
    "👍 thaad 🇰🇷",
    "\u0000",
    "\ue000mark\ue001",
    "a" * 500,
    "thaad " * 100,
    "!@#$%^&*()_+{}|:<>?",
    "thaad & korea | !china",
    "thaad <-> korea",
    "'thaad'",
    "thaad:*",
    "Ünïcödé Wæver «» — …",
    "北朝鮮 ミサイル",
    "null",
    '-""',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_a_person_can_type_gives_a_page(client, text):
    ArticleFactory(title="THAAD in Korea", body="<p>Missile defense and China.</p>")

    assert results(client, text).status_code == 200
    assert client.get("/en/articles/", {"q": text}).status_code == 200


def test_the_search_page_takes_a_fixed_number_of_queries(client, count_queries):
    """Snippets are made for the shown page in one query, never per result."""
    ArticleFactory(title="THAAD 0", authors=[ExpertFactory()], topics=[TopicFactory()])
    one = count_queries("/en/search/?q=thaad+or+weits")

    for number in range(1, 50):
        ArticleFactory(title=f"THAAD {number}", authors=[ExpertFactory()], topics=[TopicFactory()])
    fifty = count_queries("/en/search/?q=thaad+or+weits")

    assert one == fifty
    assert fifty <= 15


@pytest.mark.parametrize("facets_counted", [False, True])
def test_a_search_whose_matches_are_all_listed_is_counted_from_them(client, monkeypatch, facets_counted):
    """Every match listed by the index (MATCH_LIMIT at most) gives the count: the public ones, as
    the index's public term says, in the page's language; the articles are not counted again (the
    1,374 matches of a word by the busiest expert took 7.5 ms at a million articles)."""
    wanted = [ArticleFactory(title=f"THAAD {number}") for number in range(3)]
    draft(title="THAAD draft")
    scheduled(title="THAAD later")
    ArticleFactory(title="THAAD по-русски", language="ru")
    if not facets_counted:  # the facets then read no rows the count could come from
        monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 1)

    with CaptureQueriesContext(connection) as queries:
        response = results(client, "thaad")

    assert response.context["page_obj"].paginator.count == len(wanted)
    assert {article.pk for article in response.context["articles"]} == {article.pk for article in wanted}
    assert not [query["sql"] for query in queries if "COUNT(*)" in query["sql"].upper()]


@pytest.mark.parametrize("chosen", [{}, {"expert": "anna"}, {"topic": "security", "year": "2017"}])
def test_a_listed_match_is_faceted_by_the_terms_the_index_holds_as_by_its_articles(
    client, monkeypatch, chosen
):
    """A search whose matches the index lists whole counts its facets from the filter terms it
    holds for them (search.term_counts), not from their bylines, tags and rows read again: the same
    choices and counts, a topic counting its subtopics' pieces, drafts, scheduled and Russian
    pieces left out (at a million articles, three reads of the 864 matches of a Russian word, 24
    ms, for one of 6-8)."""
    security = TopicFactory(slug="security", name="Security")
    nuclear = TopicFactory(slug="nuclear", name="Nuclear", parent=security)
    asia = TopicFactory(slug="asia", name="Asia", kind=Topic.Kind.REGION)
    anna, boris = (
        ExpertFactory(slug="anna", name="Anna Alpha"),
        ExpertFactory(slug="boris", name="Boris Beta"),
    )
    interviews, reports = CategoryFactory(slug="interviews"), CategoryFactory(slug="reports")
    valdai = SourceFactory(slug="valdai")
    kept = {"topics": [security], "authors": [anna]}
    ArticleFactory(
        title="THAAD one",
        topics=[nuclear, asia],
        authors=[anna],
        category=interviews,
        source=valdai,
        published_at=on(2016, 3, 1),
    )
    ArticleFactory(title="THAAD two", authors=[anna, boris], category=reports, published_at=on(2017, 3, 1))
    ArticleFactory(
        title="THAAD three",
        topics=[nuclear],
        authors=[boris],
        category=interviews,
        source=valdai,
        published_at=on(2017, 4, 1),
    )
    ArticleFactory(title="THAAD four", topics=[security], category=reports, published_at=on(2017, 5, 1))
    draft(title="THAAD draft", **kept)
    scheduled(title="THAAD later", **kept)
    ArticleFactory(title="THAAD по-русски", language="ru", **kept)
    ArticleFactory(title="Other", **kept)

    with CaptureQueriesContext(connection) as queries:
        from_terms = results(client, "thaad", **chosen).context["facets"]
    counted_again = [  # read now: the next request empties the connection's log of queries
        query["sql"]
        for query in queries
        if "COUNT(" in query["sql"].upper() and re.search("articleauthor|article_topics", query["sql"])
    ]
    monkeypatch.setattr(ArticleFilterSet, "_listed_bases", lambda self, *args: None)
    cache.clear()  # the page again, not the cached page
    from_articles = results(client, "thaad", **chosen).context["facets"]

    assert from_terms == from_articles
    if not chosen:
        assert {entry["value"]: entry["count"] for entry in from_terms["topic"]} == {
            "security": 3,
            "nuclear": 2,
        }
        assert [(entry["value"], entry["count"]) for entry in from_terms["expert"]] == [
            ("anna", 2),
            ("boris", 2),
        ]
        assert {entry["value"]: entry["count"] for entry in from_terms["year"]} == {"2017": 3, "2016": 1}
    assert queries.final_queries > queries.initial_queries
    assert not counted_again


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's bm25() scores inside a query of its own"
)
def test_every_match_listed_is_ranked_by_the_scores_its_match_read(client):
    """The title match first though oldest, then the lead's, then the body's, newest first; ordered
    by the scores the index's match read with them (postgres.scored_matches), the page's read of
    the articles does not read their search documents again."""
    title = ArticleFactory(title="THAAD and Korea", published_at=on(2010, 1, 1))
    lead = ArticleFactory(title="Other", lead="THAAD in the lead.", published_at=on(2011, 1, 1))
    bodies = [
        ArticleFactory(
            title=f"Body {number}", body="<p>THAAD once.</p>", published_at=on(2012 + number, 1, 1)
        )
        for number in range(2)
    ]

    with CaptureQueriesContext(connection) as queries:
        response = results(client, "thaad")

    shown = [article.pk for article in response.context["articles"]]
    assert shown == [title.pk, lead.pk, bodies[1].pk, bodies[0].pk]
    ranked = [query["sql"] for query in queries if "search_rank" in query["sql"]]
    assert ranked
    assert not [sql for sql in ranked if "articles_articlesearch" in sql]


@pytest.mark.parametrize(
    ("text", "groups", "excluded"),
    [
        ("thaad korea", ((("thaad",),), (("korea",),)), ()),
        ('"missile defense" -china', ((("missile", "defense"),),), (("china",),)),
        ("korea china or russia", ((("korea",),), (("china",), ("russia",))), ()),
        ("or or", (), ()),
        ("'; DROP TABLE x; --", ((("drop",),), (("table",),), (("x",),)), ()),
    ],
)
def test_the_query_syntax_is_read_the_same_way_for_every_database(text, groups, excluded):
    query = parse(text)

    assert query.groups == groups
    assert query.excluded == excluded


def test_a_text_matching_more_than_the_match_limit_lists_its_best_matches_ranked(client, monkeypatch):
    """Past MATCH_LIMIT matches the index ranks the best of them (issue 29): the title match comes
    first still, although it is the oldest; sorted by date, every match is listed."""
    old_title_match = ArticleFactory(title="THAAD and Korea", published_at=on(2010, 1, 1))
    body_matches = [ArticleFactory(title=f"Other {n}", body="<p>THAAD once.</p>") for n in range(3)]
    draft(title="THAAD draft")
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)

    response = client.get("/en/search/", {"q": "thaad"})
    shown = [article.title for article in response.context["articles"]]
    assert shown == [old_title_match.title, body_matches[0].title]  # the best two: title, then newest
    assert "More than 2 articles match: the best 2 are listed" in response.text

    by_date = client.get("/en/search/", {"q": "thaad", "sort": "newest"})
    assert [a.title for a in by_date.context["articles"]] == [a.title for a in body_matches] + [
        old_title_match.title
    ]
    assert "the best 2 are listed" not in by_date.text


def test_one_word_in_more_titles_than_the_match_limit_lists_the_best_titles(client, monkeypatch):
    """More titles hold the word than the best listed (MATCH_LIMIT): those are the best, a title
    outranking any other place; a title holding it twice comes first, then of titles alike the one
    whose lead holds it too. On PostgreSQL the summaries' index is then not asked to rank every
    summary with the word (230,000 for "security" at a million articles): the titles' own index
    ranks the titles holding it."""
    once = [ArticleFactory(title=f"Security, part {n}", published_at=on(2020, 1, n + 1)) for n in range(3)]
    also_in_lead = ArticleFactory(
        title="Security, part 9", lead="Security again.", published_at=on(2009, 1, 1)
    )
    twice = ArticleFactory(title="Security and security", published_at=on(2010, 1, 1))
    ArticleFactory.create_batch(3, title="Other", lead="Security in the lead.")
    draft(title="Security drafted")
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 4)  # five titles hold it: one more than listed
    asked, ranks = [], postgres.best_summaries
    monkeypatch.setattr(postgres, "best_summaries", lambda *args: asked.append(args) or ranks(*args))

    with CaptureQueriesContext(connection) as queries:
        shown = [
            article.title for article in client.get("/en/search/", {"q": "security"}).context["articles"]
        ]

    assert shown[:2] == [twice.title, also_in_lead.title] and len(shown) == 4
    assert set(shown[2:]) < {piece.title for piece in once}
    if connection.vendor == "postgresql" and postgres.ranks_titles_on_index():  # CI: test_relevance
        assert asked == []
    if connection.vendor == "sqlite":  # bm25 scores the titles holding it, not every summary
        ranked = [query["sql"] for query in queries.captured_queries if "ORDER BY bm25" in query["sql"]]
        assert ranked and all("{title} :" in sql for sql in ranked)


def test_one_word_in_more_titles_than_the_match_limit_within_a_broad_category(client, monkeypatch):
    """A common word within a category holding most of its matches: the best titles of that
    category are listed, best first, and none of another's, however well its titles match. On
    PostgreSQL the titles' index ranks them with the category checked on the titles it reads, when
    the planner expects the category to keep a fifth of the word's matches or more and enough
    titles to hold twice the limit (keeps_many())."""
    interviews, news = CategoryFactory(name="Interviews"), CategoryFactory(name="News")
    once = [ArticleFactory(title=f"Security, part {n}", category=interviews) for n in range(4)]
    twice = ArticleFactory(title="Security and security", category=interviews)
    ArticleFactory(title="Security, security, security", category=news)
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 4)  # five titles in the category: one more
    asked, ranks = [], postgres.best_summaries
    monkeypatch.setattr(
        postgres, "best_summaries", lambda *args, **kwargs: asked.append(args) or ranks(*args, **kwargs)
    )
    if connection.vendor == "postgresql":  # the planner's guesses on a few rows decide nothing here
        monkeypatch.setattr(postgres, "keeps_many", lambda *args: True)

    response = client.get("/en/search/", {"q": "security", "category": interviews.slug})

    shown = [article.title for article in response.context["articles"]]
    assert shown[0] == twice.title and len(shown) == 4
    assert set(shown[1:]) < {piece.title for piece in once}
    if connection.vendor == "postgresql" and postgres.ranks_titles_on_index():
        assert asked == []


def test_the_best_of_more_are_the_pages_own_when_the_best_matches_are_elsewhere(client, monkeypatch):
    """Past MATCH_LIMIT matches, the best listed are public pieces in the page's language, even when
    the best matching titles of all are drafts, scheduled pieces or in the other language (on SQLite
    these are ranked apart from whether a piece is public and its language, then set aside)."""
    mine = [ArticleFactory(title=f"Security, part {n}") for n in range(3)]
    for n in range(2):
        draft(title=f"Security and security, draft {n}")
        scheduled(title=f"Security and security, to come {n}")
        ArticleFactory(title=f"Security and security, {n}", language="ru")
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)

    shown = [article.title for article in client.get("/en/search/", {"q": "security"}).context["articles"]]

    assert len(shown) == 2 and set(shown) < {piece.title for piece in mine}


@pytest.mark.parametrize(
    "text", ["security -missile", 'security -"missile defense"', "security policy -missile"]
)
def test_past_the_match_limit_a_piece_with_an_excluded_word_in_its_body_stays_out(client, monkeypatch, text):
    """Past MATCH_LIMIT matches the best are looked for where the words weigh most (titles, names,
    leads): a piece whose body holds what the reader excluded is still left out, however well its
    title matches."""
    for n in range(5):
        ArticleFactory(title=f"Security policy, part {n}")
    excluded = ArticleFactory(
        title="Security policy and security", lead="Security policy.", body="<p>Missile defense.</p>"
    )
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 4)

    shown = [article.title for article in client.get("/en/search/", {"q": text}).context["articles"]]

    assert len(shown) == 4 and excluded.title not in shown


def test_past_the_match_limit_the_best_are_found_when_most_of_the_best_summaries_are_excluded(
    client, monkeypatch
):
    """The best summaries are read first and those whose bodies hold an excluded word dropped;
    when nearly all of them are, the ranking is read again, each body checked on the way."""
    for n in range(8):
        ArticleFactory(title=f"Security and security, part {n}", body="<p>Missile defense.</p>")
    wanted = {ArticleFactory(title=f"Security policy, part {n}").title for n in range(4)}
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)

    shown = [
        article.title for article in client.get("/en/search/", {"q": "security -missile"}).context["articles"]
    ]

    assert len(shown) == 2 and set(shown) <= wanted


def test_a_word_excluded_from_most_of_the_best_leaves_the_few_others_listed_and_counted(client, monkeypatch):
    """Past MATCH_LIMIT matches of a word, when most of its best summaries hold the excluded word,
    the words are related and what is left is often short: it is listed whole and counted
    exactly. On PostgreSQL the ranking is then not walked again document by document
    (checked_summaries: "security -russia" walked 23,000 summaries at 100,000 articles, to find
    that 37 are left)."""
    for n in range(8):
        ArticleFactory(title=f"Security and security, part {n}", body="<p>Missile defense.</p>")
    left = [ArticleFactory(title=f"Security policy, part {n}").title for n in range(2)]
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)
    walked = []
    monkeypatch.setattr(postgres, "checked_summaries", lambda *args, **kwargs: walked.append(args))

    response = client.get("/en/search/", {"q": "security -missile"})

    assert sorted(article.title for article in response.context["articles"]) == sorted(left)
    assert response.context["page_obj"].paginator.count == 2
    assert walked == []


@pytest.mark.parametrize("path", ["/en/search/", "/api/articles/"])
def test_the_best_of_more_are_paged_through_titles_first_then_the_bodies(client, monkeypatch, path):
    """Past MATCH_LIMIT matches, the pages list the pieces with the word in their titles first, then
    those with it in their bodies; a page within the titles' matches reads none of the bodies'
    (on PostgreSQL they are sorted by date, half of a common word's search at a million articles)."""
    titled = [ArticleFactory(title=f"THAAD, part {n}", published_at=on(2010, 1, n + 1)) for n in range(25)]
    bodies = [ArticleFactory(title=f"Other {n}", body="<p>THAAD once.</p>") for n in range(10)]
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 30)

    def page(number):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"q": "thaad", "page": number})
        listed = response.context["articles"] if path == "/en/search/" else response.json()["results"]
        sorted_by_date = [sql for sql in queries.captured_queries if "found.article_id DESC" in sql["sql"]]
        return [
            article.title if path == "/en/search/" else article["title"] for article in listed
        ], sorted_by_date

    first, sorted_by_date = page(1)
    assert set(first) <= {piece.title for piece in titled} and len(first) == 20
    assert sorted_by_date == []
    second, _ = page(2)
    assert set(second[:5]) == {piece.title for piece in titled} - set(first)
    assert len(second) == 10 and set(second[5:]) <= {piece.title for piece in bodies}


def test_a_search_its_filters_narrow_to_a_few_is_ranked_by_the_page_alone(client, monkeypatch):
    """A word with an expert (a topic, a year...) finds few pieces: they are listed, best first,
    without asking the index for the word's best across the archive first (on PostgreSQL that
    ranked every summary holding the word: 28 of 105 ms at a million articles)."""
    expert = ExpertFactory()
    ArticleFactory(
        title="Korea", body="<p>Sanctions once.</p>", authors=[expert], published_at=on(2020, 1, 2)
    )
    ArticleFactory(title="Sanctions and Korea", authors=[expert], published_at=on(2010, 1, 1))
    ArticleFactory.create_batch(3, title="Sanctions elsewhere")
    ranking = "best_summaries" if connection.vendor == "postgresql" else "best_ids"
    asked, ranks = [], getattr(search.backend(), ranking)
    monkeypatch.setattr(
        search.backend(), ranking, lambda *args, **kwargs: asked.append(args) or ranks(*args, **kwargs)
    )

    response = client.get("/en/search/", {"q": "sanctions", "expert": expert.slug})

    assert [article.title for article in response.context["articles"]] == ["Sanctions and Korea", "Korea"]
    assert asked == []


@pytest.mark.parametrize("query", ["korea " * 56, "korea     defense " * 12])
def test_the_title_says_what_the_results_were_searched_for(client, query):
    """Found in review: a 280-character query showed in the page's title while the results ignored it."""
    ArticleFactory(title="Korea and defense")
    response = client.get("/en/search/", {"q": query})
    folded = " ".join(query.split())
    if len(folded) > search.MAX_QUERY_LENGTH:
        assert response.context["query"] == "" and "<title>Search · " in response.text
    else:
        assert response.context["query"] == folded and f"<title>Search: {folded} · " in response.text
    assert f'maxlength="{search.MAX_QUERY_LENGTH}"' in response.text


def test_a_list_of_ids_finds_what_in_finds():
    """`pk__among` (articles.lookups), how a page filters by the index's ids, one parameter for
    them all: the same rows as `pk__in`, with no ids, one, or thousands."""
    pieces = ArticleFactory.create_batch(3)
    many = [piece.pk for piece in pieces] + list(range(10**6, 10**6 + 5000))
    for ids in ([], [pieces[1].pk], many):
        found = set(Article.objects.filter(pk__among=ids).values_list("pk", flat=True))
        assert found == {piece.pk for piece in pieces if piece.pk in ids}


def test_a_search_finding_nothing_asks_nothing_of_the_empty_results(count_queries):
    """No count, no facet is queried for an empty list of matches (`pk__among=[]` matches nothing
    without a query, as `pk__in=[]`)."""
    ArticleFactory(title="Missile defense for Korea")

    # On PostgreSQL one word is first looked up among the experts' names (best.author_named).
    assert count_queries("/en/search/?q=zzyzx") <= (8 if connection.vendor == "postgresql" else 7)
