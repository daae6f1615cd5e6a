"""Stored counts, top lists and timelines (articles/tallies.py): after every kind of write, whoever
writes it, what is stored equals what a direct count over the archive gives, every related listing
equals one read straight from the archive, and the pages show them."""

import io
from collections import Counter
from datetime import timedelta

import pytest
import reversion
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from reversion.models import Version

from articles import listing, related, tallies
from articles.models import Article, ArticleAuthor, ArticleTally, Tally, Topic
from articles.related import RELATED_LISTING_SIZE, related_articles
from experts.models import Expert
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    exported_items,
    import_items,
    on,
    scheduled,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_timelines(monkeypatch):
    """One neighbour each way on each timeline: this small archive then has articles outside an
    article's walks, as a large one has."""
    monkeypatch.setattr(related, "NEIGHBOURS", 1)


@pytest.fixture
def archive():
    """A small archive with a three-level tree, shared experts, drafts and a scheduled piece."""
    world = TopicFactory(slug="world", kind="region")
    asia = TopicFactory(slug="asia", kind="region", parent=world)
    korea = TopicFactory(slug="korea", kind="region", parent=asia)
    europe = TopicFactory(slug="europe", kind="region", parent=world)
    arms = TopicFactory(slug="arms-control")
    # Named in their slugs' order: a facet lists equal counts by name (a sequence's "Person10"
    # would come before "Person9").
    ann, bo, cy = (ExpertFactory(slug=slug, name=slug.title()) for slug in ("ann", "bo", "cy"))
    opinion, source = CategoryFactory(slug="opinion"), SourceFactory(slug="valdai")
    ArticleFactory(slug="one", topics=[korea, arms], authors=[ann, bo], published_at=on(2024, 3, 1))
    ArticleFactory(slug="two", topics=[korea, asia], authors=[ann], category=opinion, source=source)
    ArticleFactory(slug="three", topics=[europe], authors=[bo, cy], published_at=on(2023, 7, 9))
    ArticleFactory(slug="four", topics=[arms], authors=[cy], source=source)
    draft(slug="draft", topics=[korea], authors=[ann])
    scheduled(slug="later", topics=[europe], authors=[cy])
    return {"world": world, "asia": asia, "korea": korea, "europe": europe, "arms": arms} | {
        "ann": ann,
        "bo": bo,
        "cy": cy,
    }


def assert_counts_true():
    expected = {key: n for key, n in tallies.direct_counts().items() if n}
    assert tallies.stored_counts() == expected
    for each in Article.objects.all():
        assert slugs(related_articles(each)) == slugs(direct_related(each)), each.slug


def direct_related(article, limit=RELATED_LISTING_SIZE):
    """The related listing as articles.related defines it, read straight from the archive: the
    editors' published picks, then the neighbours on the timelines of the article's deepest topics."""
    published = Article.objects.published().exclude(pk=article.pk)
    curated = list(
        published.filter(linked_from__article=article).order_by("linked_from__position", "linked_from__id")
    )
    same_language = published.filter(language=article.language)
    depths = {topic: topic.ancestor_links.count() - 1 for topic in article.topics.all()}
    deepest = [topic for topic, depth in depths.items() if depth == max(depths.values())]
    timelines = [same_language.filter(topics=topic) for topic in deepest]
    when = article.published_at or timezone.now()
    on_timelines, dates = Counter(), {}
    for timeline in timelines:
        places = sorted(timeline.values_list("published_at", "pk"))
        before = [place for place in places if place < (when, article.pk)][-related.NEIGHBOURS :]
        after = [place for place in places if place > (when, article.pk)][: related.NEIGHBOURS]
        for published_at, pk in before + after:
            on_timelines[pk] += 1
            dates[pk] = published_at
    closest = sorted(on_timelines, key=lambda pk: (-on_timelines[pk], abs(dates[pk] - when), -pk))
    fill = [Article.objects.get(pk=pk) for pk in closest if pk not in {other.pk for other in curated}]
    return (curated + fill)[:limit]


def slugs(articles):
    return [each.slug for each in articles]


def article(slug):
    return Article.objects.get(slug=slug)


def test_the_stored_counts_are_the_archives_after_the_writes_that_made_it(archive):
    assert_counts_true()
    stored = tallies.stored_counts()
    assert stored[("a", 0)] == 4
    assert stored[("u", archive["world"].pk)] == 3  # one, two (Korea, twice under Asia), three
    assert stored[("u", archive["korea"].pk)] == 2
    assert stored[("p", archive["asia"].pk, archive["ann"].pk)] == 2
    assert ("d", archive["asia"].pk, archive["ann"].pk) in stored  # "two" is tagged Asia itself
    assert ("e", archive["cy"].pk) in stored
    assert stored[("e", archive["cy"].pk)] == 2  # not the scheduled piece


def publish(archive, **_):
    piece = article("draft")
    piece.publish(when=on(2022, 1, 1))
    piece.save()


def unpublish(archive, **_):
    piece = article("one")
    piece.unpublish()
    piece.save()


def retag(archive, **_):
    article("two").topics.set([archive["europe"], archive["arms"]])


def clear_topics_from_the_topics_side(archive, **_):
    archive["korea"].articles.clear()


def reassign_an_expert(archive, **_):
    byline = ArticleAuthor.objects.get(article=article("one"), expert=archive["bo"])
    byline.expert = archive["cy"]
    byline.save()


def change_category_source_and_year(archive, **_):
    piece = article("four")
    piece.category, piece.source, piece.published_at = None, None, on(2019, 5, 5)
    piece.save()


def delete_an_article(archive, **_):
    article("one").delete()


def delete_an_expert(archive, **_):
    archive["ann"].delete()


def delete_a_topic(archive, **_):
    archive["asia"].delete()


def move_a_topic(archive, **_):
    archive["korea"].parent = archive["europe"]
    archive["korea"].save()


def move_a_topic_by_importing(archive, tmp_path, **_):
    items = [item for item in exported_items() if item["type"] == "topic" and item["slug"] == "asia"]
    items[0]["parent"] = None
    import_items(items, tmp_path)


def import_new_and_changed_articles(archive, tmp_path, **_):
    items = [
        item for item in exported_items() if item["type"] == "article" and item["slug"] in {"one", "draft"}
    ]
    items[0] |= {"topics": ["europe"], "authors": ["cy"]}
    items[1] |= {"slug": "imported", "status": "published", "published_at": "2018-02-02T10:00:00+00:00"}
    import_items(items, tmp_path)


def restore_a_version(archive, **_):
    piece = article("three")
    piece.topics.set([archive["arms"]])
    with reversion.create_revision():
        piece.save()
    version = Version.objects.get_for_object(piece).first()
    piece.unpublish()
    piece.save()
    piece.topics.set([archive["europe"]])
    version.revision.revert()
    assert article("three").is_public


def publish_and_unpublish_in_bulk(archive, client, editor, **_):
    client.force_login(editor)
    admin = "/admin/articles/article/"
    client.post(admin, {"action": "publish", "_selected_action": [article("draft").pk]})
    client.post(admin, {"action": "unpublish", "_selected_action": [article("two").pk]})
    assert article("draft").is_public and not article("two").is_public


def save_in_the_admins_form(archive, client, editor, article_form, **_):
    client.force_login(editor)
    piece = article("four")
    data = article_form(title=piece.title, slug=piece.slug, status="published", published_at_0="2021-06-01")
    data |= {"published_at_1": "10:00", "topics": [archive["korea"].pk]}
    data |= {"article_authors-TOTAL_FORMS": "1", "article_authors-0-expert": archive["ann"].pk}
    data |= {"article_authors-0-position": "0"}
    response = client.post(f"/admin/articles/article/{piece.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    assert set(article("four").authors.all()) == {archive["cy"], archive["ann"]}


def its_time_comes(slug):
    """As if the clock had moved past the piece's publication time."""
    past = timezone.now() - timedelta(seconds=1)
    Article.objects.filter(slug=slug).update(published_at=past)
    ArticleTally.objects.filter(article_id=article(slug).pk).update(due_at=past)


def release_a_scheduled_piece(archive, run_tasks, **_):
    its_time_comes("later")
    run_tasks()
    assert ArticleTally.objects.get(article_id=article("later").pk).due_at is None


@pytest.mark.parametrize(
    "write",
    [
        publish,
        unpublish,
        retag,
        clear_topics_from_the_topics_side,
        reassign_an_expert,
        change_category_source_and_year,
        delete_an_article,
        delete_an_expert,
        delete_a_topic,
        move_a_topic,
        move_a_topic_by_importing,
        import_new_and_changed_articles,
        restore_a_version,
        publish_and_unpublish_in_bulk,
        save_in_the_admins_form,
        release_a_scheduled_piece,
    ],
)
def test_after_every_kind_of_write_the_stored_counts_equal_the_archives(
    archive, client, editor, article_form, tmp_path, run_tasks, write
):
    before = tallies.stored_counts()
    write(
        archive,
        client=client,
        editor=editor,
        article_form=article_form,
        tmp_path=tmp_path,
        run_tasks=run_tasks,
    )
    assert tallies.stored_counts() != before  # each write changes some count
    assert_counts_true()


def test_the_demo_content_and_a_generated_corpus_are_counted(demo):
    call_command("generate_corpus", articles=40, experts=5, topics=6, stdout=io.StringIO())
    assert Tally.objects.get(kind="a", language="").count == Article.objects.published().count() > 40
    assert_counts_true()


def test_a_rebuild_gives_the_same_counts(archive):
    stored = tallies.stored_counts()
    Tally.objects.update(count=0)  # as if written around the ORM
    tallies.rebuild()
    assert tallies.stored_counts() == stored


def test_a_scheduled_piece_is_counted_by_the_worker_at_its_time_not_by_a_request(
    archive, client, settings, run_tasks
):
    settings.PAGE_CACHE_SECONDS = 0
    later = article("later")
    assert ArticleTally.objects.get(article_id=later.pk).due_at == later.published_at
    release = DBTaskResult.objects.filter(task_path="articles.derived.release_due", status="READY")
    assert set(release.values_list("run_after", flat=True)) == {later.published_at}  # enqueued for then
    europe_count = Tally.objects.get(kind="u", ref=archive["europe"].pk, language="").count
    its_time_comes("later")

    client.get("/en/topics/")  # a reader's request writes nothing, releases nothing
    assert Tally.objects.get(kind="u", ref=archive["europe"].pk, language="").count == europe_count
    run_tasks()

    assert Tally.objects.get(kind="u", ref=archive["europe"].pk, language="").count == europe_count + 1
    assert ArticleTally.objects.get(article_id=later.pk).due_at is None
    assert_counts_true()


def test_pages_show_the_stored_counts_and_top_lists(archive, client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # each page rendered, so its context can be read
    topics = client.get("/en/topics/")
    assert [(topic.slug, topic.article_count) for topic in topics.context["regions"]] == [("world", 3)]
    below = {topic.slug: topic for topic in topics.context["regions"][0].subtopics}
    asia, europe = below["asia"], below["europe"]
    assert (asia.article_count, europe.article_count, asia.subtopics[0].article_count) == (2, 1, 2)
    topic_page = client.get("/en/topics/asia/")
    assert [expert.slug for expert in topic_page.context["top_experts"]] == ["ann", "bo"]
    assert [e.topic_article_count for e in topic_page.context["top_experts"]] == [2, 1]
    profile = client.get("/en/experts/ann/")
    assert {topic.slug: topic.expert_article_count for topic in profile.context["top_topics"]} == {
        "korea": 2,
        "arms-control": 1,
        "asia": 1,
    }
    experts = client.get("/en/experts/").context["experts"]
    assert {expert.slug: expert.article_count for expert in experts} == {"ann": 2, "bo": 2, "cy": 2}
    Expert.objects.filter(slug="bo").delete()
    assert [e.slug for e in client.get("/en/topics/asia/").context["top_experts"]] == ["ann"]
    Topic.objects.filter(slug="korea").delete()
    assert "korea" not in {topic.slug for topic in client.get("/en/experts/ann/").context["top_topics"]}


def test_the_command_checks_and_rebuilds_the_stored_counts(archive):
    call_command("rebuild_tallies", "--check", stdout=io.StringIO())
    Tally.objects.filter(kind="a", language="").update(count=99)
    with pytest.raises(CommandError, match="1 stored counts differ"):
        call_command("rebuild_tallies", "--check", stdout=io.StringIO())
    call_command("rebuild_tallies", stdout=io.StringIO())
    call_command("rebuild_tallies", "--check", stdout=io.StringIO())
    assert Tally.objects.get(kind="a", language="").count == 4


def test_an_unfiltered_listing_takes_its_count_from_the_stored_counts_a_filtered_one_counts(
    archive, client, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    Tally.objects.filter(kind="u", ref=archive["asia"].pk).update(count=7)  # as if stored so

    assert client.get("/en/topics/asia/").context["page_obj"].paginator.count == 7
    assert client.get("/en/topics/asia/?page=1").context["page_obj"].paginator.count == 7
    filtered = client.get(f"/en/topics/asia/?expert={archive['ann'].slug}")
    assert filtered.context["page_obj"].paginator.count == 2
    for url, stored in [("/en/articles/", 4), ("/en/experts/ann/", 2)]:
        assert client.get(url).context["page_obj"].paginator.count == stored


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("?region=asia", True),
        ("?region=asia&sort=oldest&page=1", True),
        ("?region=asia&region=europe", False),
        ("?expert=ann", True),
        ("?expert=ann&region=asia", False),
        ("?region=nowhere", False),
    ],
)
def test_the_archive_narrowed_to_one_choice_takes_its_count_from_the_stored_counts(
    archive, client, settings, query, stored
):
    settings.PAGE_CACHE_SECONDS = 0
    Tally.objects.filter(kind__in="ue").update(count=F("count") + 100)  # so a stored count shows

    response = client.get(f"/en/articles/{query}")

    assert (response.context["page_obj"].paginator.count > 100) is stored


def test_the_whole_archive_offers_its_filters_with_the_stored_counts(
    archive, client, settings, count_queries, monkeypatch
):
    """Even when it holds too many articles to count them on a view (here: more than 2)."""
    monkeypatch.setattr("articles.filters.FACET_COUNT_LIMIT", 2)
    settings.PAGE_CACHE_SECONDS = 0
    facets = client.get("/en/articles/").context["facets"]

    assert [(entry["value"], entry["count"]) for entry in facets["region"]] == [
        ("world", 3),
        ("asia", 2),
        ("korea", 2),
        ("europe", 1),
    ]
    assert [(entry["value"], entry["count"]) for entry in facets["topic"]] == [("arms-control", 2)]
    experts = [(entry["value"], entry["count"]) for entry in facets["expert"]]
    assert experts == [("ann", 2), ("bo", 2), ("cy", 2)]
    assert [(entry["value"], entry["count"]) for entry in facets["source"]] == [("valdai", 2)]
    years = Article.objects.published().values_list("published_at__year", flat=True)
    assert [(entry["value"], entry["count"]) for entry in facets["year"]] == [
        (str(year), list(years).count(year)) for year in sorted(set(years), reverse=True)
    ]
    assert count_queries("/en/articles/") <= 10


@pytest.mark.parametrize("sort", ["", "oldest"])
def test_topic_and_expert_listings_read_off_the_timelines_list_what_the_archive_holds(
    archive, client, settings, monkeypatch, run_tasks, sort
):
    settings.PAGE_CACHE_SECONDS = 0
    monkeypatch.setattr(listing, "ARTICLES_PER_PAGE", 2)
    for day in range(1, 6):
        ArticleFactory(topics=[archive["korea"]], authors=[archive["ann"]], published_at=on(2020, 1, day))
    its_time_comes("later")  # due, not counted yet: released by the worker, then listed
    run_tasks()
    published = Article.objects.published().order_by(
        *(("published_at", "pk") if sort else ("-published_at", "-pk"))
    )
    under_world = published.for_topic(archive["world"])
    by_ann = published.filter(article_authors__expert=archive["ann"])
    for url, narrowed, expected in (
        (archive["world"].get_absolute_url(), {}, under_world),
        ("/en/articles/", {"region": "world"}, under_world),
        (archive["ann"].get_absolute_url(), {}, by_ann),
        ("/en/articles/", {"expert": "ann"}, by_ann),
    ):
        shown, number = [], 1
        while True:
            response = client.get(url, {**narrowed, "page": number, "sort": sort})
            shown += slugs(response.context["articles"])
            if not response.context["page_obj"].has_next():
                break
            number += 1
        assert shown == slugs(expected), url
    assert "later" in slugs(under_world)


def test_the_migration_to_one_alphabet_renames_the_stored_keys_as_the_code_now_writes_them(archive):
    """Migration 0031: counts under a topic were "t", and tagged places "l"; written back the old
    way, then migrated, the rows are those a recount writes now."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0031_one_alphabet_for_counts")
    now = {row.article_id: row.keys for row in ArticleTally.objects.all()}
    counts = sorted(Tally.objects.values_list("kind", "ref", "language", "count"))
    tokens = [token[0] for keys in now.values() for token in keys.split()]
    assert {"t", "u"} <= set(tokens) and "l" not in tokens

    migration.backwards(apps, None)
    old = [token[0] for row in ArticleTally.objects.all() for token in row.keys.split()]
    assert old.count("l") == tokens.count("t") and old.count("t") == tokens.count("u")
    assert not Tally.objects.filter(kind="u").exists()
    migration.forwards(apps, None)

    assert {row.article_id: row.keys for row in ArticleTally.objects.all()} == now
    assert sorted(Tally.objects.values_list("kind", "ref", "language", "count")) == counts


def test_the_migration_to_pairs_per_language_counts_what_each_article_holds(archive):
    """Migration 0038: an expert's pieces under a topic are counted per language too; taken back,
    then migrated, the rows and each article's held keys are those a recount writes now, and
    migrating again (after an interruption) counts nothing twice."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from articles.models import TopicExpertTally

    ArticleFactory(slug="odin", topics=[archive["korea"]], authors=[archive["ann"]], language="ru")
    migration = import_module("articles.migrations.0038_pairs_per_language")
    now = {row.article_id: row.keys for row in ArticleTally.objects.all()}
    pairs = sorted(
        TopicExpertTally.objects.values_list("topic_id", "expert_id", "language", "articles", "direct")
    )
    assert {"", "en", "ru"} <= {language for _, _, language, _, _ in pairs}
    assert (
        TopicExpertTally.objects.get(topic=archive["asia"], expert=archive["ann"], language="ru").articles
        == 1
    )

    migration.uncount_per_language(apps, None)
    assert set(TopicExpertTally.objects.values_list("language", flat=True)) == {""}
    assert not any(
        "/" in key for row in ArticleTally.objects.all() for key in row.keys.split() if key[0] == "p"
    )
    for _ in range(2):
        migration.count_per_language(apps, SimpleNamespace(connection=connection))

        assert {row.article_id: row.keys for row in ArticleTally.objects.all()} == now
        assert (
            sorted(
                TopicExpertTally.objects.values_list(
                    "topic_id", "expert_id", "language", "articles", "direct"
                )
            )
            == pairs
        )
    assert_counts_true()


def test_the_migration_to_topic_category_pairs_counts_what_each_article_holds(archive):
    """Migration 0047: a topic's pieces of each category are counted, in every language and in
    each; taken back, then migrated, the rows and each article's held keys are those a recount
    writes now, and migrating again (after an interruption) counts nothing twice."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from articles.models import TopicCategoryTally

    ArticleFactory(slug="odin", topics=[archive["korea"]], category=CategoryFactory(), language="ru")
    migration = import_module("articles.migrations.0047_topic_category_tallies")
    now = {row.article_id: row.keys for row in ArticleTally.objects.all()}
    pairs = sorted(TopicCategoryTally.objects.values_list("topic_id", "category_id", "language", "articles"))
    odin = Article.objects.get(slug="odin")
    assert (archive["asia"].pk, odin.category_id, "ru", 1) in pairs
    assert (archive["asia"].pk, odin.category_id, "", 1) in pairs

    migration.uncount_pairs(apps, None)
    assert not TopicCategoryTally.objects.exists()
    assert not any(key[0] == "g" for row in ArticleTally.objects.all() for key in row.keys.split())
    for _ in range(2):
        migration.count_pairs(apps, SimpleNamespace(connection=connection))

        assert {row.article_id: row.keys for row in ArticleTally.objects.all()} == now
        assert (
            sorted(TopicCategoryTally.objects.values_list("topic_id", "category_id", "language", "articles"))
            == pairs
        )
    assert_counts_true()
