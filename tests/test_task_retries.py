"""A task that fails for a passing reason (the database or another server out of reach) is tried
again later by the worker, a few times; a task that fails on its own is not."""

import pytest
from django.db import OperationalError
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

calls = []


@task()
def flaky(failures):
    """Fails the first `failures` times, as if the database had gone away."""
    calls.append("flaky")
    if calls.count("flaky") <= failures:
        raise OperationalError("server closed the connection unexpectedly")
    return "done"


@task()
def mistaken():
    calls.append("mistaken")
    raise ValueError("a bug: trying again would not help")


@pytest.fixture(autouse=True)
def fresh_calls():
    calls.clear()


def due_now(result):
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())


def test_a_task_failing_for_a_passing_reason_is_tried_again_later_and_then_succeeds(
    run_tasks, client, editor
):
    result = flaky.enqueue(1)
    run_tasks()

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and row.run_after > timezone.now()  # not at once: later
    client.force_login(editor)
    assert "failed 1 time for a passing reason, tried again at" in client.get("/admin/").text
    run_tasks()
    assert calls == ["flaky"]  # not due yet

    due_now(result)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.return_value, len(row.worker_ids)) == ("SUCCESSFUL", "done", 2)


def test_a_task_that_keeps_failing_stops_after_four_attempts_and_stays_failed(run_tasks):
    result = flaky.enqueue(10)
    for _ in range(6):
        run_tasks()
        due_now(result)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "FAILED" and calls.count("flaky") == 4
    assert "OperationalError" in row.exception_class_path


def test_a_task_failing_on_its_own_is_not_tried_again(run_tasks):
    result = mistaken.enqueue()
    run_tasks()
    due_now(result)
    run_tasks()

    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"
    assert calls == ["mistaken"]
