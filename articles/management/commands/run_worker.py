"""The task worker (docs/tasks.md): django-tasks-db's `db_worker`, with what a restart needs first."""

import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.derived import release_due


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
        release_due.enqueue()
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
