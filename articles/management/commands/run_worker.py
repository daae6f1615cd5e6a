"""The task worker (docs/tasks.md): django-tasks-db's `db_worker`, with what a restart needs first
and a retry of the tasks that failed for a passing reason."""

import socket
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.dispatch import receiver
from django.tasks import TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

import pagecache

MAX_ATTEMPTS = 4
FIRST_RETRY = timedelta(seconds=10)  # then 40 s and 160 s: a restarting database, a mail server away
# Failures that may pass by themselves: the database, the cache or another server out of reach (an
# SMTP error is an OSError). Any other failure is the task's own and would fail again.
PASSING = (DatabaseError, *pagecache.CACHE_ERRORS)


class Command(BaseCommand):
    help = (
        "Run the task worker (make run and make serve start one): tasks a killed worker of the same "
        "id left running are queued again, what fell due while no worker ran is released, then tasks "
        "run as they come (--batch: those ready now, then stop)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id",
            default=f"{socket.gethostname()}-1"[:64],
            help="This worker's name, the same across its restarts and unique among the workers sharing "
            "the queue (default: the host's name and 1).",
        )
        parser.add_argument("--batch", action="store_true", help="Run the tasks ready now, then stop.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at the queue.")

    def handle(self, *args, worker_id, batch, interval, verbosity, **options):
        abandoned = requeue_abandoned(worker_id)
        if abandoned:
            self.stderr.write(
                f"Queued again {abandoned} task(s) a previous run of {worker_id} left unfinished."
            )
        for path in settings.WORKER_START_TASKS:
            import_string(path).enqueue()
        call_command(
            "db_worker",
            worker_id=worker_id,
            batch=batch,
            interval=interval,
            reload=False,
            startup_delay=False,
            verbosity=verbosity,
        )


def requeue_abandoned(worker_id):
    """Put back in the queue the tasks this worker's previous run was running when it was killed
    (their transactions were rolled back: run again, they do their work once). Returns how many."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("worker_ids")
    abandoned = [result.pk for result in running if result.worker_ids and result.worker_ids[-1] == worker_id]
    return DBTaskResult.objects.filter(pk__in=abandoned).update(
        status=TaskResultStatus.READY, started_at=None
    )


@receiver(task_finished, dispatch_uid="run_worker.retry_if_passing")
def retry_if_passing(sender, task_result, **kwargs):
    """Every task is idempotent, so one that failed for a passing reason is queued again, later each
    time, until it has been tried MAX_ATTEMPTS times; then it stays failed, on the dashboard."""
    if task_result.status != TaskResultStatus.FAILED or task_result.attempts >= MAX_ATTEMPTS:
        return
    try:
        error = import_string(task_result.errors[-1].exception_class_path)
    except (ImportError, IndexError):
        return
    if isinstance(error, type) and issubclass(error, PASSING):
        delay = FIRST_RETRY * 4 ** (task_result.attempts - 1)
        DBTaskResult.objects.filter(pk=task_result.id, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now() + delay, finished_at=None
        )
