"""export_kb / import_kb: the knowledge base as JSON Lines, round trip byte for byte."""

import io
import json
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from articles import search
from articles.models import (
    Article,
    ArticleMention,
    ArticleSearch,
    Category,
    RelatedLink,
    SearchTerm,
    Source,
    Topic,
)
from experts.models import Expert
from tests.factories import (
    VALDAI_SLUG,
    ArticleFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    relate,
)

pytestmark = pytest.mark.django_db


def export():
    out = io.StringIO()
    call_command("export_kb", stdout=out)
    return out.getvalue()


def empty_the_database():
    for model in (RelatedLink, Article, Expert, Topic, Category, Source, SearchTerm):
        model.objects.all().delete()


def import_text(text, tmp_path):
    path = tmp_path / "kb.jsonl"
    path.write_text(text, encoding="utf-8")
    call_command("import_kb", str(path), stdout=io.StringIO())


def test_export_then_import_into_an_empty_database_gives_the_same_bytes(demo, tmp_path):
    parent = TopicFactory(slug="zz-parent", name="Parent «topic»")
    child = TopicFactory(slug="aa-child", name="Child — topic", parent=parent)
    expert = ExpertFactory(slug="waever", name="Ole Wæver", country="Denmark", bio="<p>Bio…</p>")
    expert.topics.add(child)
    expert.links.create(label="Home", url="https://example.org/wæver", position=0)
    article = ArticleFactory(
        slug="unicode",
        title="Wæver on «security» — and…",
        authors=[expert, ExpertFactory()],
        topics=[child, parent],
    )
    article.image = "articles/2017/photo.jpg"
    article.save()
    relate(article, draft(slug="a-draft"), ArticleFactory(slug="other", source=SourceFactory()))
    # An editor's unlinked mention, other spellings, a corrected sort name.
    weitz = Expert.objects.get(slug="richard-weitz")
    weitz.other_names, weitz.last_name = "R. Weitz", "Weitz (R.)"
    weitz.save()
    ArticleMention.objects.filter(expert=weitz).update(linked=False)
    first = export()

    empty_the_database()
    import_text(first, tmp_path)

    assert export() == first
    assert Article.objects.get(slug="unicode").ordered_authors()[0] == Expert.objects.get(slug="waever")
    assert [link.related.slug for link in Article.objects.get(slug="unicode").related_links.all()] == [
        "a-draft",
        "other",
    ]
    assert Topic.objects.get(slug="aa-child").parent.slug == "zz-parent"
    valdai = Article.objects.get(slug=VALDAI_SLUG)
    entries = list(valdai.related_links.all())
    assert [(entry.title, entry.truncated, entry.related_id is None) for entry in entries][:3] == [
        ("Putin-Trump Telephone Conversation: North Korea and Syria as Most Acute", True, True),
        ("Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea", False, False),
        ("Forecasts on Korea’s Foreign Policies Following the Launch of the New", True, True),
    ]
    assert entries[2].expert.name == "Lee Jae-Young" and entries[2].lead.startswith("Two major issues")
    weitz = Expert.objects.get(slug="richard-weitz")
    assert (weitz.other_names, weitz.last_name) == ("R. Weitz", "Weitz (R.)")
    (mention,) = ArticleMention.objects.filter(expert=weitz)
    assert not mention.linked and "richard-weitz" not in mention.article.body_html


def test_an_import_restores_every_article_expert_topic_and_link(demo, tmp_path):
    counts = {m.__name__: m.objects.count() for m in (Article, Expert, Topic, RelatedLink, Category, Source)}
    text = export()

    empty_the_database()
    import_text(text, tmp_path)

    assert {
        m.__name__: m.objects.count() for m in (Article, Expert, Topic, RelatedLink, Category, Source)
    } == counts


def test_imported_articles_are_searchable(demo, tmp_path):
    text = export()
    empty_the_database()

    import_text(text, tmp_path)

    assert [a.title for a in search.search(Article.objects.published(), "Poznikhir")] == [
        "Russia-U.S. Security Collaboration on the Korean Peninsula Risks Being Overshadowed"
    ]


def rum_indexes():
    """The RUM indexes the search documents have now; skips where the rum extension is missing
    (never in CI, which installs it)."""
    from articles.search import postgres

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
        if cursor.fetchone() is None:
            assert os.environ.get("CI") != "true", "CI installs the rum extension"
            pytest.skip("PostgreSQL without the rum extension")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(postgres.RUM_INDEXES)]
        )
        return {name for (name,) in cursor.fetchall()}


def indexes_at_each_write(monkeypatch):
    """A list that each write to the search index adds the RUM indexes present then to."""
    from articles.search import postgres

    present, write = [], postgres.write

    def watched(documents):
        present.append(rum_indexes())
        write(documents)

    monkeypatch.setattr(postgres, "write", watched)
    return present


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's RUM indexes")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # indexes dropped and made: committed
def test_an_import_into_an_empty_archive_makes_the_ranking_indexes_once_at_its_end(tmp_path, monkeypatch):
    """Kept up an article at a time, the RUM indexes cost half of an import's index writing; a
    load adding as many articles as the index held writes without them and makes them at its
    end. Search then ranks as before."""
    from articles.search import postgres

    call_command("load_demo", verbosity=0)
    text = export()
    empty_the_database()
    every = rum_indexes()
    present_while_writing = indexes_at_each_write(monkeypatch)

    import_text(text, tmp_path)

    assert present_while_writing and not any(present_while_writing)
    assert rum_indexes() == every == set(postgres.RUM_INDEXES)
    assert [a.slug for a in search.search(Article.objects.published(), "Poznikhir")] == [
        "russia-us-security-collaboration-on-the-korean-peninsula-risks-being-overshadowed"
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's RUM indexes")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_smaller_than_the_archive_keeps_the_ranking_indexes(tmp_path, monkeypatch):
    """Topping up a live archive: its searches keep ranking on the index meanwhile."""
    from articles.search import postgres

    call_command("load_demo", verbosity=0)
    every = rum_indexes()
    one = next(line for line in export().splitlines() if json.loads(line)["type"] == "article")
    present_while_writing = indexes_at_each_write(monkeypatch)

    import_text(one + "\n", tmp_path)

    assert present_while_writing and all(present == every for present in present_while_writing)
    assert every == set(postgres.RUM_INDEXES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's RUM indexes")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rebuilding_the_search_index_makes_the_ranking_indexes_a_stopped_load_left_out():
    from articles.search import postgres

    call_command("load_demo", verbosity=0)
    assert rum_indexes() == set(postgres.RUM_INDEXES)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {postgres.RUM_INDEX}")

    call_command("rebuild_search_index", stdout=io.StringIO())

    assert rum_indexes() == set(postgres.RUM_INDEXES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # VACUUM runs outside transactions
def test_an_import_leaves_the_articles_and_their_index_readable_from_indexes_alone(tmp_path):
    """A search reads its matches' ids, and a page an article's date, from indexes alone only where
    the rows' pages are marked visible to all, which a bulk load leaves undone until autovacuum."""
    call_command("load_demo", verbosity=0)
    text = export()
    empty_the_database()

    import_text(text, tmp_path)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpages, relallvisible FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
            [[Article._meta.db_table, ArticleSearch._meta.db_table]],
        )
        pages = cursor.fetchall()
    assert [name for name, _, _ in pages] == sorted([Article._meta.db_table, ArticleSearch._meta.db_table])
    assert all(written > 0 and visible == written for _, written, visible in pages), pages


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's RUM indexes")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_load_ends_its_writes_in_flight_before_setting_the_ranking_indexes_aside():
    """DROP INDEX waits for the writes in flight: an import's batches, which wait for each other,
    must have ended first, or the load waits for ever."""
    from articles.search import postgres

    call_command("load_demo", verbosity=0)
    every, held = rum_indexes(), ArticleSearch.objects.count()
    settled = []

    with postgres.loading() as added:
        added(held - 1, settle=lambda: settled.append(rum_indexes()))
        assert settled == [] and rum_indexes() == every  # less than the index held: kept
        added(1, settle=lambda: settled.append(rum_indexes()))
        assert settled == [every] and rum_indexes() == set()  # settled, then set aside
        added(held, settle=lambda: settled.append(rum_indexes()))
        assert len(settled) == 1

    assert rum_indexes() == every


def article_lines_first_to_last(text):
    """The export's lines, each version moved up to just after its original."""
    lines = [json.loads(line) for line in text.splitlines()]
    versions = [line for line in lines if line.get("translation_of")]
    for version in versions:
        lines.remove(version)
        slug = version["translation_of"].split("/")[1]
        original = next(
            n for n, line in enumerate(lines) if line["type"] == "article" and line["slug"] == slug
        )
        lines.insert(original + 1, version)
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"


def staged_by(monkeypatch, fail_at=None):
    """A list of the threads that stage the import's article batches; the batch holding the
    article `fail_at` fails there."""
    import threading

    from articles.importers import jsonl

    threads, stage = [], jsonl.ARTICLES.stage

    def watched(items):
        threads.append(threading.get_ident())
        if any(item["slug"] == fail_at for item in items):
            raise DatabaseError("could not extend file: No space left on device")
        return stage(items)

    monkeypatch.setattr(jsonl.ARTICLES, "stage", watched)
    return threads


def test_a_batch_writes_only_its_own_rows_until_its_turn(demo, tmp_path, monkeypatch):
    """Re-importing what is here replaces each article's byline: no pass of the write path runs
    while a batch writes its own rows (one ran for each byline row deleted, counting shared rows,
    which a batch written beside it locks too: a deadlock), and the counts still come out right."""
    from articles import derived, tallies
    from articles.importers import jsonl

    text = export()
    passes_while_staging, stage = [], jsonl.ARTICLES.stage

    def watched(items):
        before = derived.passes()
        staged = stage(items)
        passes_while_staging.append(derived.passes() - before)
        return staged

    monkeypatch.setattr(jsonl.ARTICLES, "stage", watched)
    Article.objects.filter(slug="korea-after-the-olympics-draft").get().authors.clear()

    import_text(text, tmp_path)

    assert passes_while_staging == [0]
    assert export() == text
    assert tallies.stored_counts() == tallies.direct_counts()


def test_importing_experts_again_runs_one_pass_of_the_write_path(demo, tmp_path, monkeypatch):
    """Replacing an expert's links is reported once, with the batch, not once a link."""
    from articles import derived
    from articles.importers import jsonl

    lines = [line for line in export().splitlines() if json.loads(line)["type"] in ("topic", "expert")]
    assert any(json.loads(line).get("links") for line in lines)
    passes, write = [], jsonl.WRITERS["expert"].write

    def watched(items, **kwargs):
        before = derived.passes()
        outcome = write(items, **kwargs)
        passes.append(derived.passes() - before)
        return outcome

    monkeypatch.setattr(jsonl.WRITERS["expert"], "write", watched)

    import_text("\n".join(lines) + "\n", tmp_path)

    assert passes == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections write at once")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # other connections see the rows
def test_an_import_writes_article_batches_from_two_connections_at_once_and_loses_nothing(
    tmp_path, monkeypatch
):
    """Most of an import's time is the index writing of each batch, in the database: on
    PostgreSQL two batches write at once. A version right after its original waits for the
    original's batch to commit; the counts and the round trip come out the same."""
    from articles import tallies
    from articles.importers import jsonl

    call_command("load_demo", verbosity=0)
    text = export()
    empty_the_database()
    monkeypatch.setattr(jsonl, "BATCH", 1)
    threads = staged_by(monkeypatch)

    import_text(article_lines_first_to_last(text), tmp_path)

    assert export() == text
    assert len(threads) == Article.objects.count() and len(set(threads)) == 2
    assert tallies.stored_counts() == tallies.direct_counts()
    assert search.search(Article.objects.published(), "Poznikhir").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections write at once")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_updating_articles_already_here_is_written_alone(tmp_path, monkeypatch):
    """Their rows are ones another batch's turn may write (a body linked to a piece that arrived):
    held by a batch waiting for its turn, the two would wait for each other for ever."""
    import threading

    from articles import tallies
    from articles.importers import jsonl

    call_command("load_demo", verbosity=0)
    text = export()
    Article.objects.filter(slug="korea-after-the-olympics-draft").update(title="Changed meanwhile")
    monkeypatch.setattr(jsonl, "BATCH", 1)
    lock, writing, beside = threading.Lock(), [0], []
    stage, finish = jsonl.ARTICLES.stage, jsonl.ARTICLES.finish

    def staging(items):
        with lock:
            beside.append(writing[0])
            writing[0] += 1
        return stage(items)

    def finishing(staged, **kwargs):
        outcome = finish(staged, **kwargs)
        with lock:
            writing[0] -= 1
        return outcome

    monkeypatch.setattr(jsonl.ARTICLES, "stage", staging)
    monkeypatch.setattr(jsonl.ARTICLES, "finish", finishing)

    import_text(text, tmp_path)

    assert beside == [0] * Article.objects.count()
    assert export() == text
    assert tallies.stored_counts() == tallies.direct_counts()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections write at once")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_batch_ends_the_import_and_the_batch_written_beside_it_rolls_back(tmp_path, monkeypatch):
    """Batches still commit in file order: the ones before a failure are written, the one in
    flight after it is not, and the error is the failure's own."""
    from articles.importers import jsonl

    call_command("load_demo", verbosity=0)
    text = export()
    slugs = [json.loads(line)["slug"] for line in text.splitlines() if json.loads(line)["type"] == "article"]
    empty_the_database()
    monkeypatch.setattr(jsonl, "BATCH", 1)
    threads = staged_by(monkeypatch, fail_at=slugs[1])

    with pytest.raises(DatabaseError, match="No space left"):
        import_text(text, tmp_path)

    assert len(threads) > 2  # batches after the failing one were written too, then rolled back
    assert list(Article.objects.values_list("slug", flat=True)) == slugs[:1]


def test_importing_into_a_database_that_has_the_content_updates_it(demo, tmp_path):
    text = export()
    Article.objects.filter(slug="korea-after-the-olympics-draft").update(title="Changed meanwhile")

    import_text(text, tmp_path)

    assert (
        Article.objects.get(slug="korea-after-the-olympics-draft").title == "Korea After the Olympics (draft)"
    )
    assert export() == text


def test_it_reads_standard_input(demo, monkeypatch):
    text = export()
    empty_the_database()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))

    call_command("import_kb", "-", stdout=io.StringIO())

    assert export() == text


def test_bad_lines_are_reported_and_write_nothing_of_their_item(tmp_path, capsys):
    good = {"type": "source", "slug": "good", "name": "Good", "url": "", "disclaimer": ""}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"type": "spaceship", "slug": "x"}),
        json.dumps({"type": "article", "slug": "no-title", "status": "draft"}),
        json.dumps(
            {"type": "article", "slug": "bad-source", "title": "T", "status": "draft", "source": "nowhere"}
        ),
        json.dumps({"type": "article", "slug": "ok", "title": "Fine", "status": "draft", "source": "good"}),
        json.dumps(
            {"type": "article", "slug": "bad-date", "title": "T", "status": "published", "published_at": "x"}
        ),
        json.dumps({"type": "related", "article": "ok", "related": ["missing"]}),
    ]
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match="6 lines not imported"):
        call_command("import_kb", str(path))

    err = capsys.readouterr().err
    for number in (2, 3, 4, 5, 7, 8):
        assert f"line {number}:" in err
    assert list(Article.objects.values_list("slug", flat=True)) == ["ok"]
    assert not RelatedLink.objects.exists()


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_kb", "/nonexistent/kb.jsonl")


def test_a_line_naming_no_original_any_more_takes_the_version_link_off(demo, tmp_path):
    version = Article.objects.get(
        slug="as-north-korean-conflict-threat-rises-us-and-russia-could-see-opportunity-for-cooperation"
    ).translations.get()
    lines = [json.loads(line) for line in export().splitlines()]
    for line in lines:
        if line["type"] == "article" and line["slug"] == version.slug and line.get("language") == "ru":
            del line["translation_of"]
    import_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", tmp_path)

    version.refresh_from_db()
    assert version.translation_of is None
    assert Article.objects.filter(translation_of__isnull=False).count() == 0


def test_languages_versions_and_translations_survive_the_round_trip(demo, tmp_path):
    original = Article.objects.get(
        slug="as-north-korean-conflict-threat-rises-us-and-russia-could-see-opportunity-for-cooperation"
    )
    version = original.translations.get()
    # The same slug in both languages, and a related link across languages.
    ArticleFactory(slug=version.slug, title="Same slug, English", language="en")
    relate(version, original)
    first = export()

    empty_the_database()
    import_text(first, tmp_path)

    assert export() == first
    version = Article.objects.get(slug=version.slug, language="ru")
    assert version.translation_of.slug == original.slug and version.translation_of.language == "en"
    assert [link.related.language for link in version.related_links.all()] == ["en"]
    assert Expert.objects.get(slug="richard-weitz").translated("name", "ru") == "Ричард Вайц"
    assert Topic.objects.get(slug="korean-peninsula").translated("name", "ru") == "Корейский полуостров"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ({"language": "xx"}, "language must be one of"),
        ({"translation_of": "no-language-given"}, "translation_of must name"),
        ({"translation_of": "en/nowhere"}, "is not defined"),
    ],
)
def test_a_bad_language_or_version_line_is_reported_and_writes_nothing(tmp_path, capsys, line, error):
    item = {"type": "article", "slug": "x", "title": "X", "status": "draft", "published_at": None, **line}
    with pytest.raises(CommandError, match="1 lines not imported"):
        import_text(json.dumps(item) + "\n", tmp_path)

    assert error in capsys.readouterr().err
    assert not Article.objects.exists()
