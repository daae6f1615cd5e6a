"""Everything derived from the content, brought up to date by one entry point: content_changed().

Every writer reports what it changed here — a model's save (through the receivers in
articles.signals and experts.signals, which do nothing else), the admin's bulk actions, the
importers (import_pages, import_kb), the demo loader, the corpus generator and a restored
version — and this module updates, in bulk where the writer is bulk:

- the links of the bodies and of the related listings (articles.references, articles.linking): the
  references waiting for an article that arrived, "Also read" blocks, expert mentions,
- the topic lineage (when the tree changed),
- the stored counts and top lists (articles.tallies), by difference, in the write's transaction,
- the full-text index and the "did you mean" vocabulary (the articles changed, and those whose
  authors' or topics' names changed),
- the page cache: it forgets exactly the pages that showed the change, as the database had it
  before the write (`pages_before`, from pages_showing()) and as it has it now,
- the release of the next scheduled piece: a task for the worker, due at its time (release_due).

A writer that cannot say precisely what it touched passes `whole_site=True`: every cached page goes.
Inside one_pass() (an admin request, an imported page), the reports of all its writes are collected
and the update runs once, at its end; the update's own writes never start another.
"""

import contextlib
import threading

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Value
from django.tasks import task

import pagecache
from articles import linking, references, search, tallies
from articles.models import Article, ArticleAuthor, ArticleMention, Topic, TopicLineage, published_condition


def remember_fields(instance):
    """Keep what the row held before a save (a pre_save receiver calls this); fields_changed() compares."""
    model = type(instance)
    instance._fields_before_save = (
        model.objects.filter(pk=instance.pk).values().first() if instance.pk else None
    )


def fields_changed(instance):
    """The fields (attnames) a save changed, as remembered by remember_fields(); {"created"} for a new row."""
    before = getattr(instance, "_fields_before_save", None)
    if before is None:
        return {"created"}
    changed = {name for name, value in before.items() if getattr(instance, name) != value}
    return changed - {"updated_at"}


def pages_showing(pks):
    """The cache tags of every page that shows any of these articles, as the database has them now:
    take them before a write that may move the articles off those pages (unpublishing, retagging, a
    new byline), and pass them on.

    A draft or a scheduled piece is on no public page but its own (never cached): only its own tag. Called
    before and after a change, so that the pages of the old state and of the new one both go.
    """
    pks = list(pks)
    tags = {pagecache.article_tag(pk) for pk in pks}
    if not pks:
        return tags
    # One query: the published ones, their authors, and their topics with the topics above them.
    rows = (
        Article.objects.filter(pk__in=pks)
        .filter(published_condition())
        .order_by()
        .annotate(kind=Value("archive"), ref=F("pk"))
        .values_list("kind", "ref")
        .union(
            ArticleAuthor.objects.filter(published_condition("article__"), article_id__in=pks)
            .order_by()
            .annotate(kind=Value("expert"), ref=F("expert_id"))
            .values_list("kind", "ref"),
            # The profiles listing them under "Mentioned in".
            ArticleMention.objects.filter(published_condition("article__"), article_id__in=pks)
            .order_by()
            .annotate(kind=Value("expert"), ref=F("expert_id"))
            .values_list("kind", "ref"),
            TopicLineage.objects.filter(
                published_condition("descendant__articles__"), descendant__articles__in=pks
            )
            .order_by()
            .annotate(kind=Value("topic"), ref=F("ancestor_id"))
            .values_list("kind", "ref"),
            # The other versions of the same pieces, whose pages offer these (published or not:
            # a version that appears or goes changes them).
            Article.objects.filter(pk__in=pks, translation_of__isnull=False)
            .order_by()
            .annotate(kind=Value("version"), ref=F("translation_of_id"))
            .values_list("kind", "ref"),
            # Two index lookups, not an OR of joins: PostgreSQL ran that as two scans of the archive
            # (180 ms at 100k articles, twice a save).
            Article.objects.filter(translation_of__in=pks)
            .order_by()
            .annotate(kind=Value("version"), ref=F("pk"))
            .values_list("kind", "ref"),
            Article.objects.filter(
                translation_of__in=Article.objects.filter(pk__in=pks, translation_of__isnull=False)
                .order_by()
                .values("translation_of_id")
            )
            .order_by()
            .annotate(kind=Value("version"), ref=F("pk"))
            .values_list("kind", "ref"),
            all=True,
        )
        .order_by()
    )
    for kind, ref in rows:
        if kind == "archive":
            tags.add(pagecache.ARTICLES)
        elif kind == "version":
            tags.add(pagecache.article_tag(ref))
        elif kind == "expert":
            tags.add(pagecache.expert_articles_tag(ref))
        else:
            tags.add(pagecache.topic_articles_tag(ref))
    return tags


# What the writes of the current thread's open one_pass() reported, and whether a pass is running.
_state = threading.local()
SETS = ("articles", "experts", "named", "links", "topics", "pages", "pages_before", "moved")
FLAGS = ("tree", "whole_site", "index", "relink")  # merged: any of the reports asked for it


@contextlib.contextmanager
def one_pass():
    """Within it, content_changed() only collects what the writes report; when it ends without an
    error, the derived data are brought up to date once, with all of it. An admin save with its
    inlines, a bulk action, an import's batch: open it inside the writers' transaction, and the one
    pass is in that transaction too. Nested, the outermost one runs the pass."""
    if getattr(_state, "pending", None) is not None:
        yield
        return
    _state.pending = pending = []
    try:
        yield
    finally:
        _state.pending = None
    if pending:
        _run_pass(**_merged(pending))


def passes():
    """How many passes of the write path this thread has run (tests count them)."""
    return getattr(_state, "passes", 0)


def _merged(reports):
    merged = {name: set() for name in SETS} | dict.fromkeys(FLAGS, False)
    for report in reports:
        for name in SETS:
            merged[name].update(report.get(name, ()))
        for name in FLAGS:
            merged[name] = merged[name] or report.get(name, name in {"index", "relink"})
        if report.get("known_terms") is not None:
            merged["known_terms"] = report["known_terms"]
    return merged


def content_changed(**report):
    """Bring every piece of derived data in line with a write (see _update() for what a write
    reports). Inside one_pass(), the report waits for the pass at its end. Writes made by the pass
    itself (a reference linked, an "Also read" row) are its own doing and report nothing: the pass
    never runs inside itself."""
    if getattr(_state, "running", False):
        return
    pending = getattr(_state, "pending", None)
    if pending is not None:
        pending.append(report)
        return
    _run_pass(**report)


def _run_pass(**report):
    _state.running = True
    _state.passes = passes() + 1
    try:
        _update(**report)
    finally:
        _state.running = False


def _update(
    *,
    articles=(),
    experts=(),
    named=(),
    links=(),
    topics=(),
    pages=(),
    pages_before=(),
    tree=False,
    moved=(),
    whole_site=False,
    index=True,
    relink=True,
    known_terms=None,
):
    """Bring every piece of derived data in line with a write that changed these rows.

    articles: ids of articles whose own fields, byline, topics or status changed (or that were
        deleted: they leave the index).
    experts, topics: ids of experts and topics whose *names* changed: their articles are indexed
        again (the index holds authors' and topics' names), by the task worker (reindex_named).
    named: ids of experts created or whose names (or other spellings) changed: the articles that
        name them get their mentions again.
    links: ids of references (RelatedLink) saved: a waiting one is linked if its article is here.
    pages: further cache tags the write touched (an expert's own page, the list of experts...).
    pages_before: what pages_showing() gave before the write.
    tree: the topic tree changed (a topic added, moved or deleted).
    moved: topics whose place in the tree changed: the articles under them are counted again.
    index: False when the writer indexed the articles itself in the same batch.
    relink: False when the articles are being deleted (a byline going with its article).
    known_terms: a bulk writer's set of vocabulary words already written (see search.index_articles).
    """
    article_ids = set(articles)
    counted = set(article_ids)  # a rename changes no count: its articles are only reindexed
    # Links first: the mentions they find are counted ("Mentioned in"), and their pages go below.
    relinked = set(article_ids) if relink else set()
    if links:
        references.link_saved(links)
    arrived = set()  # articles whose references were linked: their listings changed
    if article_ids and relink:
        arrived = references.link_arrivals(article_ids)
        relinked |= arrived | references.citing(article_ids)
    if named:
        relinked |= linking.naming(list(named))
    linked = linking.refresh(relinked) if relinked else set()
    counted |= linked
    # Renamed experts and topics: their names are in their articles' documents, which the worker
    # writes again in batches; the rename itself is saved at once (docs/tasks.md).
    if experts:
        reindex_named.enqueue("experts", sorted(experts))
    if topics:
        reindex_named.enqueue("topics", sorted(topics))
    with transaction.atomic(savepoint=False):  # the writer's transaction (or one of its own)
        if tree or moved:
            Topic.objects.rebuild_lineage()
        if moved:  # the articles under them, whatever their status, are under other topics now
            counted.update(Article.objects.for_topics(list(moved)).values_list("pk", flat=True))
        tallies.recount(counted)
    if index and article_ids:
        search.index_articles(sorted(article_ids), known_terms=known_terms)  # deleted ones leave it
    tags = set(pages) | set(pages_before) | {pagecache.article_tag(pk) for pk in arrived}
    if whole_site:
        tags.add(pagecache.SITE)
    elif article_ids or linked:
        tags |= pages_showing(article_ids | linked)
    pagecache.invalidate(*tags)
    if article_ids or whole_site:
        schedule_release()


@task()
def release_due():
    """Scheduled pieces whose time has come join what readers see, as a write would bring them:
    counts, search index and vocabulary, pages; returns their ids. The worker runs this at the time
    of the next scheduled piece (schedule_release()), and once when it starts, so that nothing due
    while no worker ran waits for another write. No reader's request ever writes. Idempotent and
    atomic: what is due is read from the database (tallies.due()), a released piece is no longer
    due, and a run cut short leaves everything as it was, to be done again."""
    with transaction.atomic():  # all of it or nothing: a worker killed half-way leaves it due
        due = tallies.due()
        if due:
            content_changed(articles=due)
    return due


REINDEX_BATCH = 2_000  # articles one reindex task writes again before handing on to the next


@task()
def reindex_named(kind, ids, after=0):
    """Index again the articles of these experts (`kind` "experts") or topics ("topics"), whose names
    their documents hold: REINDEX_BATCH at a time in id order, each batch a task of its own that
    enqueues the next. Until the last is done, the pieces not yet reached are found by the old name.
    Atomic and idempotent: a batch cut short is done again, and an article indexed twice is the same
    document. Returns how many articles this batch indexed."""
    if kind == "experts":
        rows = ArticleAuthor.objects.filter(expert_id__in=ids)
    else:
        rows = Article.topics.through.objects.filter(topic_id__in=ids)
    found = rows.filter(article_id__gt=after).order_by("article_id").values_list("article_id", flat=True)
    batch = list(found.distinct()[:REINDEX_BATCH])
    with transaction.atomic():
        if batch:
            search.index_articles(batch)
        if len(batch) == REINDEX_BATCH:
            reindex_named.enqueue(kind, ids, after=batch[-1])
    return len(batch)


RELEASE_ENQUEUED = "tasks:release-due-at"  # the time the release task was last enqueued for (cache)


def schedule_release():
    """Enqueue release_due for the time the next scheduled piece is due, in the writer's transaction
    (the queue is a table: the task is kept with the write, or not at all). Once a time: a write that
    leaves the next time as it was enqueues nothing (the cache remembers it, once committed; an
    evicted entry only costs a task that finds nothing to do)."""
    when = tallies.next_due()
    try:
        enqueued = cache.get(RELEASE_ENQUEUED)
    except pagecache.CACHE_ERRORS:
        enqueued = None
    if when is None or enqueued == when:
        return
    release_due.using(run_after=when).enqueue()
    transaction.on_commit(lambda: _remember(RELEASE_ENQUEUED, when))


def _remember(key, value):
    with contextlib.suppress(*pagecache.CACHE_ERRORS):  # then the next write enqueues it again
        cache.set(key, value, None)
