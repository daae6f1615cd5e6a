"""Long jobs as background tasks (`manage.py rebuild_* --background`, `import_kb --background`): the
command only queues the job, the worker does it, and the dashboard shows how far it has got and
lists it if it failed."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from articles import search, tallies
from articles.models import Article, Tally, TaskProgress
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory

pytestmark = pytest.mark.django_db


def queue(command, *args):
    out = io.StringIO()
    call_command(command, *args, background=True, stdout=out)
    assert "Queued as task" in out.getvalue()
    return DBTaskResult.objects.latest("enqueued_at")


def counts_match():
    expected = {key: n for key, n in tallies.direct_counts().items() if n}
    return expected == tallies.stored_counts()


def test_counting_again_in_the_background_waits_for_the_worker_and_reports_its_progress(run_tasks):
    topic = TopicFactory()
    for _ in range(3):
        ArticleFactory(topics=[topic])
    Tally.objects.all().delete()  # as after a restore by SQL
    task = queue("rebuild_tallies")

    assert not counts_match()  # queued, not done
    run_tasks()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert counts_match()
    progress = TaskProgress.objects.get(task_id=task.pk)
    assert (progress.job, progress.done, progress.total) == ("Counting the archive again", 3, 3)


def test_indexing_again_in_the_background_makes_the_archive_searchable(run_tasks):
    ArticleFactory(title="Arctic shipping lanes")
    search.backend().clear()
    assert not search.search(Article.objects.published(), "arctic").exists()
    task = queue("rebuild_search_index")
    run_tasks()

    assert [a.title for a in search.search(Article.objects.published(), "arctic")] == [
        "Arctic shipping lanes"
    ]
    progress = TaskProgress.objects.get(task_id=task.pk)
    assert (progress.done, progress.total) == (1, 1)


def test_writing_the_links_again_in_the_background(run_tasks):
    ExpertFactory(name="Anna Sokolova", slug="anna-sokolova")
    article = ArticleFactory(body="<p>As Anna Sokolova wrote, the talks stalled.</p>")
    Article.objects.filter(pk=article.pk).update(body_html="")  # as written by SQL
    queue("rebuild_links")
    run_tasks()

    assert 'href="/en/experts/anna-sokolova/"' in Article.objects.get(pk=article.pk).body_html


def lines(*items):
    return "".join(json.dumps(item) + "\n" for item in items)


def test_a_file_imported_in_the_background_is_there_once_the_worker_ran(run_tasks, tmp_path):
    path = tmp_path / "archive.jsonl"
    path.write_text(
        lines(
            {"type": "expert", "slug": "ivan-petrov", "name": "Ivan Petrov", "last_name": "Petrov"},
            {
                "type": "article",
                "slug": "on-the-arctic",
                "title": "On the Arctic",
                "status": "published",
                "published_at": "2024-03-01T09:00:00+00:00",
                "authors": ["ivan-petrov"],
            },
        ),
        encoding="utf-8",
    )
    task = queue("import_kb", str(path))
    assert not Expert.objects.exists()
    run_tasks()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    assert [str(e) for e in Article.objects.get(slug="on-the-arctic").authors.all()] == ["Ivan Petrov"]
    assert TaskProgress.objects.get(task_id=task.pk).done == 2


def test_an_import_with_refused_lines_imports_the_rest_and_fails_where_editors_see_it(
    run_tasks, tmp_path, client, editor
):
    path = tmp_path / "archive.jsonl"
    path.write_text(
        lines({"type": "expert", "slug": "ivan-petrov", "name": "Ivan Petrov", "last_name": "Petrov"})
        + "not json\n",
        encoding="utf-8",
    )
    task = queue("import_kb", str(path))
    run_tasks()

    task.refresh_from_db()
    assert task.status == "FAILED"
    assert "1 of 2 lines not imported" in task.traceback and "line 2" in task.traceback
    assert Expert.objects.filter(slug="ivan-petrov").exists()
    client.force_login(editor)
    assert "ImportIncomplete" in client.get("/admin/").text


@pytest.mark.parametrize("file", ["-", "no-such-file.jsonl"])
def test_a_background_import_needs_a_file_the_worker_can_read(file):
    with pytest.raises(CommandError):
        call_command("import_kb", file, background=True, stdout=io.StringIO())
    assert not DBTaskResult.objects.exists()


def test_the_dashboard_shows_a_running_job_and_how_far_it_has_got(client, editor):
    from articles.maintenance import rebuild

    result = rebuild.enqueue("counts")
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING")
    TaskProgress.objects.create(task_id=result.id, job="Counting the archive again", done=2_000, total=8_000)
    client.force_login(editor)
    page = client.get("/admin/").text

    assert "Background work under way" in page
    assert "Counting the archive again" in page and "2000 of 8000 (25%)" in page and "running since" in page
