"""The task worker as `make run` and `make serve` start it (`manage.py run_worker`), in a process of
its own on a database of its own: a scheduled piece is released at its time with no request at all,
and a worker killed in the middle of the release and started again loses nothing and repeats
nothing (the counts equal the archive's, the piece counted once)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parent.parent

# A worker whose release stops for good after counting, before indexing: inside its transaction.
STALLING_WORKER = """
import os, sys, time
import django
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from articles import search
search.index_articles = lambda *args, **kwargs: time.sleep(600)
from django.core.management import call_command
call_command("run_worker", worker_id="worker-a", interval=0.2, verbosity=0)
"""

STATE = """
import json
from django_tasks_db.models import DBTaskResult
from articles.models import Article, ArticleTally
piece = Article.objects.get(slug="due-soon")
tasks = DBTaskResult.objects.filter(task_path="articles.derived.release_due")
print(json.dumps({
    "due": ArticleTally.objects.filter(article_id=piece.pk, due_at__isnull=False).exists(),
    "public": piece.is_public,
    "tasks": sorted(tasks.values_list("status", flat=True)),
}))
"""

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
Article.objects.create(
    title="Due soon", slug="due-soon", status="published",
    published_at=timezone.now() + timedelta(seconds={seconds}),
)
"""


@pytest.fixture
def manage(own_database, tmp_path):
    environment = {**os.environ, "DATABASE_URL": own_database, "CACHE_DIR": str(tmp_path / "cache")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*arguments, check=True):
        return subprocess.run(
            [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, check=check,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    run("migrate", "--noinput", "-v0")
    run("load_demo", "-v0")
    run.environment = environment
    return run


def state(manage):
    return json.loads(manage("shell", "-v0", "-c", STATE).stdout)


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("waited in vain")
        time.sleep(0.3)


def test_a_scheduled_piece_is_released_at_its_time_with_no_request(manage):
    manage("shell", "-c", SCHEDULE.format(seconds=3))
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "-v0"],
        cwd=ROOT,
        env=manage.environment,
    )
    try:
        wait_for(lambda: not state(manage)["due"])
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert state(manage)["public"]
    assert manage("rebuild_tallies", "--check", check=False).returncode == 0  # counted, and once


def test_a_worker_killed_mid_release_and_started_again_loses_and_repeats_nothing(manage):
    manage("shell", "-c", SCHEDULE.format(seconds=1))
    time.sleep(1.5)  # due now
    stalling = subprocess.Popen([sys.executable, "-c", STALLING_WORKER], cwd=ROOT, env=manage.environment)
    try:
        wait_for(lambda: "RUNNING" in state(manage)["tasks"])
        time.sleep(2)  # counting done, indexing stalled: the transaction is open
    finally:
        stalling.kill()  # SIGKILL: no clean-up of any kind
        stalling.wait(timeout=30)
    assert state(manage)["due"]  # rolled back: nothing half-released

    restarted = manage("run_worker", "--batch", "--worker-id", "worker-a", "-v0")

    assert "Queued again 1 task(s)" in restarted.stderr
    after = state(manage)
    assert not after["due"] and set(after["tasks"]) == {"SUCCESSFUL"}
    assert manage("rebuild_tallies", "--check", check=False).returncode == 0  # counted once, not twice
