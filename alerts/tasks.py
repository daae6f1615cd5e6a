"""The alerts' background work (docs/alerts.md): find the followers of new pieces every minute,
queue the weekly digest, and drain the outbox. The worker starts the first two (settings.
WORKER_START_TASKS names `schedule`); each then queues its own next run."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alerts import mail, matching


@task()
def schedule():
    """Queue the periodic tasks unless they are queued already (the worker's start runs this)."""
    _queue_once(match_new_pieces, timezone.now())
    _queue_once(weekly_digest, next_digest_time())


@task()
def match_new_pieces():
    """Queue an email for every follower of the pieces published since the last look, then send."""
    with transaction.atomic():
        queued = matching.queue_instant(matching.new_pieces())
        matching.forget_old_matches()
    if queued:
        send_outbox.enqueue()
    _queue_once(match_new_pieces, timezone.now() + timedelta(seconds=settings.ALERTS_SCAN_SECONDS))
    # A run a minute leaves 1,440 finished rows a day in the task list: keep the last hour's.
    DBTaskResult.objects.filter(
        task_path=match_new_pieces.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=timezone.now() - timedelta(hours=1),
    ).delete()
    return queued


@task()
def weekly_digest():
    """Queue the digest of the week just ended (Monday to Monday, in the site's time zone), then send."""
    until = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=timezone.localdate().weekday()), time())
    )
    with transaction.atomic():
        queued = matching.queue_digest(until - timedelta(days=7), until)
    if queued:
        send_outbox.enqueue()
    _queue_once(weekly_digest, next_digest_time())
    return queued


@task()
def send_outbox():
    return mail.send_queued()


def next_digest_time(now=None):
    """The next Monday at settings.ALERTS_DIGEST_HOUR, in the site's time zone (today's if to come)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    at = timezone.make_aware(datetime.combine(monday, time(settings.ALERTS_DIGEST_HOUR)))
    return at if at > now else at + timedelta(days=7)


def _queue_once(periodic, when):
    """Queue `periodic` to run at `when`, unless a run of it is waiting already."""
    waiting = DBTaskResult.objects.filter(task_path=periodic.module_path, status=TaskResultStatus.READY)
    if not waiting.exists():
        periodic.using(run_after=when).enqueue()
