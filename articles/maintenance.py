"""Long jobs over the whole archive: counting it again, writing its links again, indexing it again,
importing a JSON Lines file. The management commands run them in the foreground (printing their
progress), or with --background as tasks for the worker (docs/tasks.md), whose progress the admin
dashboard shows (TaskProgress). Every job can be run again from the start: a worker killed in the
middle runs it again when it restarts, and the result is the same.
"""

from django.tasks import task

import pagecache
from articles import linking, references, search, tallies
from articles.importers.jsonl import import_lines
from articles.models import Article, TaskProgress

LINKS_BATCH = 2_000


def rebuild_links(progress=None):
    """Write every article's links again: the references waiting for it, its "Also read" blocks and
    its expert mentions (after a restore by SQL, or on an archive made before them). Returns how
    many articles changed."""
    last, done, changed, total = 0, 0, 0, Article.objects.count()
    while ids := list(
        Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:LINKS_BATCH]
    ):
        references.link_arrivals(ids)
        relinked = linking.refresh(ids)
        tallies.recount(relinked)  # "Mentioned in" is counted from the mentions
        last, done, changed = ids[-1], done + len(ids), changed + len(relinked)
        if progress:
            progress(done, max(total, done))
    pagecache.invalidate_everything()
    return changed


# What `manage.py rebuild_* --background` and the rebuild task run, by name.
REBUILDS = {
    "counts": ("Counting the archive again", tallies.rebuild),
    "links": ("Writing the links again", rebuild_links),
    "search": ("Indexing the archive for search again", search.rebuild_index),
}


class ImportIncomplete(Exception):
    """Some lines of an imported file were refused (the others were imported): the task fails with
    them, so that the dashboard lists it."""


@task(takes_context=True)
def rebuild(context, name):
    job, run = REBUILDS[name]
    run(progress=recorder(context, job))


@task(takes_context=True)
def import_file(context, path):
    """Import a JSON Lines file the worker can read (manage.py import_kb --background FILE)."""
    with open(path, encoding="utf-8") as lines:
        total = sum(1 for _ in lines)
    with open(path, encoding="utf-8") as lines:
        report = import_lines(lines, progress=recorder(context, f"Importing {path}"), total=total)
    if report.errors:
        shown = "\n".join(report.errors[:20])
        raise ImportIncomplete(f"{len(report.errors)} of {total} lines not imported:\n{shown}")
    return dict(report.counts)


def recorder(context, job):
    """A progress(done, total) that keeps the figures on the task's TaskProgress row."""
    task_id = context.task_result.id

    def record(done, total):
        figures = {"job": job, "done": done, "total": total}
        TaskProgress.objects.update_or_create(task_id=task_id, defaults=figures)

    record(0, None)
    return record


def queued(result):
    """What a command says when it has queued its job instead of running it."""
    return (
        f"Queued as task {result.id}: the worker runs it (make run and make serve start one); the admin "
        "dashboard shows its progress, and lists it if it fails."
    )


def printer(stdout):
    """A progress(done, total) for a command in the foreground."""
    return lambda done, total: stdout.write(f"{done:,} of {total:,}" if total is not None else f"{done:,}")
