"""One write path: whichever writer makes a change (a model save, the admin's form or bulk action,
the review, a restored version, import_kb), the search index, the "did you mean" vocabulary, the
topic lineage and the cached pages come out the same (articles/derived.py)."""

import pytest
import reversion
from django.test import Client
from reversion.models import Version

import pagecache
from articles import search
from articles.models import Article, SearchTerm, Topic, TopicLineage
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, exported_items, import_items

pytestmark = pytest.mark.django_db

WORD = "zygomorphic"  # a word no other article has


def found(text):
    return [article.slug for article in search.search(Article.objects.published(), text)]


def cached(reader, url):
    """Store the page, as a reader's visit would."""
    reader.get(url)
    assert reader.get(url).headers.get(pagecache.HEADER) == "hit", url


def publish_by_saving(article, **_):
    article.publish()
    article.save()


def publish_in_the_admins_form(article, client, editor, article_form, **_):
    client.force_login(editor)
    data = article_form(
        title=article.title, slug=article.slug, status="published", published_at_0="2020-01-01"
    )
    data |= {"published_at_1": "10:00", "topics": [topic.pk for topic in article.topics.all()]}
    assert client.post(f"/admin/articles/article/{article.pk}/change/", data).status_code == 302


def publish_with_the_bulk_action(article, client, editor, **_):
    client.force_login(editor)
    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [article.pk]})


def publish_by_approving(article, client, editor, **_):
    client.force_login(editor)
    client.post(f"/admin/articles/article/{article.pk}/review/", {"decision": "approve", "note": ""})


def publish_by_restoring_a_version(article, client, editor, **_):
    with reversion.create_revision():
        publish_by_saving(article)
    published = Version.objects.get_for_object(article).first()
    with reversion.create_revision():
        article.unpublish()
        article.save()
    client.force_login(editor)
    client.post(f"/admin/articles/article/{article.pk}/restore/{published.pk}/")


def publish_by_importing(article, tmp_path, **_):
    items = [item for item in exported_items() if item["type"] == "article" and item["slug"] == article.slug]
    items[0] |= {"status": "published", "published_at": "2020-01-01T10:00:00+00:00"}
    import_items(items, tmp_path)


@pytest.mark.parametrize(
    "publish",
    [
        publish_by_saving,
        publish_in_the_admins_form,
        publish_with_the_bulk_action,
        publish_by_approving,
        publish_by_restoring_a_version,
        publish_by_importing,
    ],
)
def test_a_publication_reaches_search_the_vocabulary_and_the_cached_pages_whoever_writes_it(
    client, editor, article_form, tmp_path, publish
):
    korea = TopicFactory(name="Korea", slug="korea")
    article = draft(title=f"The {WORD} question", slug="the-piece", topics=[korea])
    reader = Client()
    for url in ("/en/", "/en/articles/", "/en/topics/korea/"):
        cached(reader, url)
    assert found(WORD) == []

    publish(article, client=client, editor=editor, article_form=article_form, tmp_path=tmp_path)

    assert Article.objects.get(pk=article.pk).is_public
    assert found(WORD) == ["the-piece"]
    assert SearchTerm.objects.filter(term=WORD).exists()
    assert search.did_you_mean("zygomorphik") == WORD
    for url in ("/en/", "/en/articles/", "/en/topics/korea/"):
        assert f"The {WORD} question" in reader.get(url).text, url


def rename_by_saving(expert, **_):
    expert.name = "Ole Waever"
    expert.save()


def rename_in_the_admin(expert, client, editor, **_):
    client.force_login(editor)
    data = {"name": "Ole Waever", "slug": expert.slug, "last_name": "", "position": "", "organisation": ""}
    data |= {"country": "", "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"}
    assert client.post(f"/admin/experts/expert/{expert.pk}/change/", data).status_code == 302


def rename_by_importing(expert, tmp_path, **_):
    """Found in review: import_kb's bulk upsert renamed the expert and left the index stale."""
    items = [item for item in exported_items() if item["type"] == "expert" and item["slug"] == expert.slug]
    items[0]["name"] = "Ole Waever"
    import_items(items, tmp_path)


@pytest.mark.parametrize("rename", [rename_by_saving, rename_in_the_admin, rename_by_importing])
def test_a_renamed_expert_is_found_by_the_new_name_only_whoever_renames(
    client, editor, tmp_path, run_tasks, rename
):
    expert = ExpertFactory(name="Ole Wæver", slug="waever")
    ArticleFactory(title="Securitisation revisited", slug="the-piece", authors=[expert])
    reader = Client()
    cached(reader, "/en/articles/the-piece/")
    assert found("Wæver") == ["the-piece"]

    rename(expert, client=client, editor=editor, tmp_path=tmp_path)

    assert Expert.objects.get(pk=expert.pk).name == "Ole Waever"
    assert "Ole Waever" in reader.get("/en/articles/the-piece/").text  # the pages at once
    assert found("Wæver") == ["the-piece"]  # the index when the worker has been through it
    run_tasks()
    assert found("Waever") == ["the-piece"]
    assert found("Wæver") == []
    assert "Ole Waever" in reader.get("/en/articles/the-piece/").text


def move_by_saving(topic, new_parent, **_):
    topic.parent = new_parent
    topic.save()


def move_by_importing(topic, new_parent, tmp_path, **_):
    items = [item for item in exported_items() if item["type"] == "topic" and item["slug"] == topic.slug]
    items[0]["parent"] = new_parent.slug
    import_items(items, tmp_path)


@pytest.mark.parametrize("move", [move_by_saving, move_by_importing])
def test_a_moved_topic_takes_its_articles_to_its_new_parent(tmp_path, move):
    asia, europe = TopicFactory(slug="asia", kind="region"), TopicFactory(slug="europe", kind="region")
    korea = TopicFactory(slug="korea", kind="region", parent=europe)
    ArticleFactory(slug="the-piece", topics=[korea])
    reader = Client()
    cached(reader, "/en/topics/asia/")

    move(korea, asia, tmp_path=tmp_path)

    assert set(TopicLineage.objects.filter(descendant=korea).values_list("ancestor__slug", flat=True)) == {
        "korea",
        "asia",
    }
    assert [a.slug for a in Article.objects.published().for_topic(Topic.objects.get(slug="asia"))] == [
        "the-piece"
    ]
    assert "the-piece" in reader.get("/en/topics/asia/").text


def test_one_article_save_costs_few_queries(django_assert_max_num_queries):
    """Everything a save updates (index, vocabulary, stored counts, cache tags before and after, the
    schedule, the links). The counts take three: what they hold for the article, and its row and links
    now. The links seven: references waiting for its title, and bodies citing it; its body, its "Also
    read" references, the experts its words name, its mentions. SQLite 20 and PostgreSQL 19."""
    article = ArticleFactory(authors=[ExpertFactory()], topics=[TopicFactory()])
    article = Article.objects.get(pk=article.pk)
    article.title = "A new title"
    with django_assert_max_num_queries(20):
        article.save()


def test_a_rename_reindexes_its_pieces_in_the_background_a_batch_a_task(monkeypatch, run_tasks):
    """The editor's save writes the name; the worker writes the documents again, a batch a task, so
    no request reindexes an expert's whole body of work (166,000 pieces at a million articles)."""
    from django_tasks_db.models import DBTaskResult

    from articles import derived

    monkeypatch.setattr(derived, "REINDEX_BATCH", 3)
    expert = ExpertFactory(name="Ole Wæver")
    for number in range(7):
        ArticleFactory(title=f"Securitisation {number}", slug=f"piece-{number}", authors=[expert])
    indexed, index_articles = [], search.index_articles
    monkeypatch.setattr(search, "index_articles", lambda ids, **kwargs: indexed.append(list(ids)))

    expert.name = "Ole Waever"
    expert.save()
    assert indexed == []  # nothing in the save itself

    monkeypatch.setattr(search, "index_articles", index_articles)
    run_tasks()

    assert found("Waever") == [f"piece-{number}" for number in range(7)]
    batches = DBTaskResult.objects.filter(task_path="articles.derived.reindex_named").order_by("enqueued_at")
    assert [result.return_value for result in batches] == [3, 3, 1]
