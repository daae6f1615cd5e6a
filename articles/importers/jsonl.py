"""The whole knowledge base as JSON Lines, and back: one object a line, everything by slug.

An article is named by its language and slug (slugs are unique per language): a reference to one
is its slug when it is in the referring article's language, else "<language>/<slug>"
("translation_of": "en/thaad-…"). A line without a language is in settings.LANGUAGE_CODE.

Lines come in dependency order: sources, categories, topics (parents first), experts, articles
(with their authors and topics, and the experts named in the body whose link an editor removed;
originals before their translations), then "related" lines (an article's related listing, in
order: an article's reference, or an entry {"title", "truncated", "date", "lead", "expert",
"category", "url", "article"} for a piece the publisher listed, "article" null until it is here),
so
that an import can stream: every slug a line names was defined above it. Export → empty database →
import → export gives the same bytes. Row timestamps (created/updated) are bookkeeping, not content,
and are not carried.
"""

import json
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    JSONField,
    Prefetch,
    Q,
    SlugField,
    TextField,
    URLField,
)

from articles import bulk, search
from articles.derived import content_changed
from articles.models import Article, ArticleAuthor, ArticleMention, Category, RelatedLink, Source, Topic
from articles.pictures import EXTENSIONS, render_missing
from articles.richtext import clean_html, folded_words, one_line, without_unsafe_characters
from experts.models import Expert, ExpertLink, ExpertName

BATCH = 1000
SOURCE_FIELDS = ["name", "url", "disclaimer", "translations"]
CATEGORY_FIELDS = ["name", "description", "translations"]
TOPIC_FIELDS = ["name", "kind", "description", "translations"]
EXPERT_FIELDS = [
    "name", "last_name", "other_names", "position", "organisation", "country", "bio", "translations",
]  # fmt: skip
ARTICLE_FIELDS = [
    "title", "lead", "body", "status", "original_url", "image_alt", "image_caption", "image_credit",
    "needs_review",
]  # fmt: skip


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


# Export -----------------------------------------------------------------------------------------


def export_lines(*extra):
    """Yield the knowledge base as JSON Lines, in constant memory, then the lines of `extra`
    iterables (the subscribers of export_kb --with-subscribers)."""
    for source in Source.objects.order_by("slug"):
        yield dumps({"type": "source", "slug": source.slug, **_fields(source, SOURCE_FIELDS)})
    for category in Category.objects.order_by("slug"):
        yield dumps({"type": "category", "slug": category.slug, **_fields(category, CATEGORY_FIELDS)})
    for topic in _topics_parents_first():
        parent = topic.parent.slug if topic.parent else None
        yield dumps({"type": "topic", "slug": topic.slug, **_fields(topic, TOPIC_FIELDS), "parent": parent})
    experts = Expert.objects.order_by("slug").prefetch_related(
        Prefetch("topics", Topic.objects.only("slug")),
        Prefetch("links", ExpertLink.objects.order_by("position", "pk")),
    )
    for expert in experts.iterator(chunk_size=BATCH):
        yield dumps(
            {
                "type": "expert",
                "slug": expert.slug,
                **_fields(expert, EXPERT_FIELDS),
                "photo": expert.photo.name or "",
                "topics": sorted(topic.slug for topic in expert.topics.all()),
                "links": [[link.label, link.url] for link in expert.links.all()],
            }
        )
    is_translation = ExpressionWrapper(Q(translation_of__isnull=False), output_field=BooleanField())
    articles = (
        Article.objects.order_by(is_translation, "slug", "language")
        .select_related("category", "source", "translation_of")
        .prefetch_related(
            Prefetch("topics", Topic.objects.only("slug")),
            Prefetch(
                "article_authors", ArticleAuthor.objects.select_related("expert").order_by("position", "pk")
            ),
            Prefetch(
                "mentions",
                ArticleMention.objects.filter(linked=False)
                .select_related("expert")
                .only("article", "expert__slug"),
                to_attr="unlinked",
            ),
        )
    )
    for article in articles.iterator(chunk_size=BATCH):
        yield dumps(
            {
                "type": "article",
                "slug": article.slug,
                "language": article.language,
                "translation_of": _reference(article.translation_of, article.language)
                if article.translation_of
                else None,
                **_fields(article, ARTICLE_FIELDS),
                "published_at": article.published_at.astimezone(UTC).isoformat()
                if article.published_at
                else None,
                "category": article.category.slug if article.category else None,
                "source": article.source.slug if article.source else None,
                "image": article.image.name or "",
                "authors": [link.expert.slug for link in article.article_authors.all()],
                "topics": sorted(topic.slug for topic in article.topics.all()),
                "unlinked_mentions": sorted(mention.expert.slug for mention in article.unlinked),
            }
        )
    links = (
        RelatedLink.objects.filter(kind=RelatedLink.Kind.LISTING)
        .order_by("article__slug", "article__language", "position", "pk")
        .values_list(
            "article__slug",
            "article__language",
            "related__slug",
            "related__language",
            "title",
            "truncated",
            "published_on",
            "lead",
            "expert__slug",
            "category__slug",
            "url",
        )
    )
    for (slug, language), rows in groupby(links.iterator(chunk_size=BATCH), key=lambda row: row[:2]):
        related = [_related_item(language, *row[2:]) for row in rows]
        yield dumps({"type": "related", "article": slug, "language": language, "related": related})
    for lines in extra:
        yield from lines


def _related_item(language, slug, other, title, truncated, published_on, lead, expert, category, url):
    """A related listing's item as a line holds it: a reference, or the publisher's entry."""
    reference = (slug if other == language else f"{other}/{slug}") if slug else None
    if not title:
        return reference
    return {
        "title": title,
        "truncated": truncated,
        "date": published_on.isoformat() if published_on else None,
        "lead": lead,
        "expert": expert,
        "category": category,
        "url": url,
        "article": reference,
    }


def _fields(obj, names):
    return {name: _canonical(getattr(obj, name)) for name in names}


def _canonical(value):
    """JSON values with their keys in one order, whatever order the database keeps them in
    (PostgreSQL's jsonb reorders them): a backup reads the same from either database."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    return value


def _reference(article, language):
    """How a line in `language` names `article`: its slug, qualified when in another language."""
    return article.slug if article.language == language else f"{article.language}/{article.slug}"


def _key(reference, language):
    """(language, slug) of an article reference made from a line in `language`."""
    other, _, slug = reference.rpartition("/")
    return (other or language, slug)


def _language(item):
    return item.get("language") or settings.LANGUAGE_CODE


def _topics_parents_first():
    topics = list(Topic.objects.select_related("parent").order_by("slug"))
    children = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    ordered, level = [], children.get(None, [])
    while level:
        ordered += level
        level = [child for topic in level for child in children.get(topic.pk, [])]
    return ordered


# Import -----------------------------------------------------------------------------------------


class ItemError(ValueError):
    """One line of the file cannot be imported; nothing of it is written."""


@dataclass
class ImportReport:
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def count(self, kind, number=1):
        self.counts[kind] = self.counts.get(kind, 0) + number


def import_lines(lines: Iterable[str], *, progress=None, total=None):
    """Create or update everything the JSON Lines describe, streaming in batches.

    A line that cannot be imported (bad JSON, unknown type, a slug that names nothing) is
    reported with its number and skipped; the rest of its batch is written. `progress(lines done,
    total)` is told after each batch.
    """
    with search.loading() as added, search.bulk_writes(), ArticleBatches() as articles:
        report = _import(lines, progress or (lambda done, total: None), total, added, articles)
    search.update_planner_statistics()
    return report


def _import(lines, progress, total, added, articles):
    report, batch, kind, number = ImportReport(), [], None, 0
    known_terms = set()  # the vocabulary words this import has written
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = without_unsafe_characters(json.loads(line))  # bulk writes skip save()'s cleaning
            if not isinstance(item, dict) or item.get("type") not in WRITERS:
                raise ItemError("not an object with a known type")
        except (ValueError, ItemError) as error:
            report.errors.append(f"line {number}: {error}")
            continue
        if batch and (item["type"] != kind or len(batch) >= BATCH):
            _flush(kind, batch, report, known_terms, added, articles)
            progress(number - 1, total)
            batch = []
        kind = item["type"]
        batch.append((number, item))
    if batch:
        _flush(kind, batch, report, known_terms, added, articles)
    articles.wait(report)
    progress(number, total)
    return report


def _flush(kind, batch, report, known_terms, added, articles):
    valid = []
    for number, item in batch:
        try:
            WRITERS[kind].check(item)
        except (KeyError, TypeError, ValueError) as error:
            report.errors.append(f"line {number}: {kind} {item.get('slug', '')!r}: {error}")
        else:
            valid.append((number, item))
    if kind == "article":
        # A DROP INDEX waits for the batches in flight, which may wait for each other.
        added(len(batch), settle=lambda: articles.wait(report))
        articles.write(valid, report, known_terms)
        return
    articles.wait(report)  # what follows articles may name them
    with transaction.atomic():
        outcome = WRITERS[kind].write([item for _, item in valid], known_terms=known_terms)
    _report(kind, valid, outcome, report)


def _report(kind, valid, outcome, report):
    written, failures = outcome
    for key, error in failures:  # a slug, or an article's (language, slug)
        number = next(n for n, item in valid if key in (_name(item), (_language(item), _name(item))))
        name = key[1] if isinstance(key, tuple) else key
        report.errors.append(f"line {number}: {kind} {name!r}: {error}")
    report.count(kind, written)


class ArticleBatches:
    """The import's article batches. On PostgreSQL, outside a transaction, bulk.CONNECTIONS
    connections write them at once, and still commit them in file order: a batch writes its own
    rows and search documents (ArticleWriter.stage: most of its time, the database's to_tsvector),
    then waits for the batch before it to commit before what batches share (ArticleWriter.finish:
    vocabulary, mentions, counts). A batch that fails fails those after it, which roll back.
    A batch waits for the batches in flight to end before it starts where it names an article of
    theirs (the same one again, or its original: until they commit it cannot see it), or updates
    articles already here: their rows are ones the batches' turns may write (a body linked to a
    piece that arrived), and a batch holding them while it waits for its turn would wait for ever.
    Elsewhere (SQLite, one writer; a test's or a caller's transaction) a batch at a time."""

    def __init__(self):
        self.parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.in_flight = deque()  # (future, valid lines, their articles' keys), in file order

    def __enter__(self):
        self.writers = ThreadPoolExecutor(max_workers=bulk.CONNECTIONS) if self.parallel else None
        return self

    def __exit__(self, *exc_info):
        if self.writers:
            self.writers.shutdown(wait=True)  # an error or an interrupt: the batches in flight end

    def write(self, valid, report, known_terms):
        items = [item for _, item in valid]
        if not self.parallel:
            with transaction.atomic():
                outcome = ARTICLES.write(items, known_terms=known_terms)
            _report("article", valid, outcome, report)
            return
        keys = {(_language(item), item["slug"]) for item in items}
        named = keys | {
            _key(item["translation_of"], _language(item)) for item in items if item.get("translation_of")
        }
        if any(named & writing for _, _, writing in self.in_flight) or _article_ids(keys):
            self.wait(report)
        before = self.in_flight[-1][0] if self.in_flight else None
        future = self.writers.submit(_write_after, before, items, known_terms)
        self.in_flight.append((future, valid, keys))
        while len(self.in_flight) > bulk.CONNECTIONS:  # a bounded backlog: batches are held in memory
            self._collect(report)

    def wait(self, report):
        """Until every batch in flight has ended; raises the first one's error."""
        while self.in_flight:
            self._collect(report)

    def _collect(self, report):
        future, valid, _ = self.in_flight.popleft()
        _report("article", valid, future.result(), report)


class EarlierBatchFailed(Exception):
    pass


def _write_after(before, items, known_terms):
    """A batch of articles in a connection of its own, committed after the batch `before`."""
    try:
        with search.bulk_writes(), transaction.atomic():
            staged = ARTICLES.stage(items)
            if before is not None and before.exception() is not None:
                raise EarlierBatchFailed  # and rolls back
            return ARTICLES.finish(staged, known_terms=known_terms)
    finally:
        connection.close()  # this thread's own


def _picture(item, name):
    """Refuse a file name that is not a picture's in the media store: a relative path, ending as
    pictures are stored (articles.pictures)."""
    value = item.get(name, "")
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a file name")
    parts = PurePosixPath(value).parts
    if value and (
        value.startswith("/") or ".." in parts or PurePosixPath(value).suffix.lower() not in EXTENSIONS
    ):
        raise ValueError(f"{name} must name a picture in the media store (folder/name.jpg)")


def _values(model, item, fields):
    """The item's values of `fields`; a missing one is the field's default."""
    return {name: item.get(name, model._meta.get_field(name).get_default()) for name in fields}


def _name(item):
    return item.get("slug", item.get("article"))


def _required(item, *names):
    for name in names:
        if not isinstance(item.get(name), str) or not item[name]:
            raise ValueError(f"{name} is missing")


def _upsert(model, rows, fields):
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=["slug"], update_fields=fields)
    return dict(model.objects.filter(slug__in=[row.slug for row in rows]).values_list("slug", "pk"))


def _article_ids(keys):
    """{(language, slug): id} of the articles among `keys` that exist."""
    keys = set(keys)
    rows = Article.objects.filter(slug__in={slug for _, slug in keys}).values_list("language", "slug", "pk")
    return {(language, slug): pk for language, slug, pk in rows if (language, slug) in keys}


def _renamed(model, items):
    """Ids of the existing rows whose names (in any language) the items change: their articles'
    index holds them."""
    names = {item["slug"]: (item.get("name", ""), item.get("translations") or {}) for item in items}
    existing = model.objects.filter(slug__in=list(names)).values_list("pk", "slug", "name", "translations")
    return [pk for pk, slug, name, translations in existing if names[slug] != (name, translations)]


def _validated(model, item, fields, **values):
    """Refuse the item (ValueError naming each field) where the admin's forms would refuse one of
    its values: types, lengths, slugs, choices, URLs (http, https and ftp only: no javascript: or
    data: link ever reaches a page), dates. Relations are checked by the writers, by slug."""
    for name in fields:
        expected = _TYPES.get(type(model._meta.get_field(name)))
        if name in item and expected and not isinstance(item[name], expected[0]):
            raise ValueError(f"{name} must be {expected[1]}")
    instance = model(**{name: item[name] for name in fields if name in item}, **values)
    try:
        instance.clean_fields(
            exclude=[f.name for f in model._meta.fields if f.name not in {*fields, *values}]
        )
    except ValidationError as error:
        raise ValueError(
            "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
        ) from None
    return instance


# The JSON type a line must give a field of each kind (clean_fields would turn 5 or [] into text).
_TYPES = {
    CharField: (str, "text"),
    TextField: (str, "text"),
    SlugField: (str, "a slug"),
    URLField: (str, "a URL"),
    BooleanField: (bool, "true or false"),
    JSONField: (dict, "an object"),
}


def _strings(item, name):
    """Refuse the item unless its `name` is a list of strings (missing: an empty list)."""
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ValueError(f"{name} must be a list of slugs")


def _ids(model, slugs):
    return dict(model.objects.filter(slug__in=set(slugs)).values_list("slug", "pk"))


class SimpleWriter:
    def __init__(self, model, fields):
        self.model, self.fields = model, fields

    def check(self, item):
        _required(item, "slug", "name")
        translations = item.get("translations", {})
        if not isinstance(translations, dict) or not all(
            isinstance(entry, dict) and all(isinstance(text, str) for text in entry.values())
            for entry in translations.values()
        ):
            raise ValueError('translations must be {"<language>": {"<field>": "<text>"}}')
        _validated(self.model, item, ["slug", *self.fields])

    def write(self, items, *, known_terms):
        rows = [self.model(slug=item["slug"], **_values(self.model, item, self.fields)) for item in items]
        _upsert(self.model, rows, self.fields)
        content_changed(whole_site=True)  # bulk writes send no signals; names show on every card
        return len(rows), []


class TopicWriter(SimpleWriter):
    def check(self, item):
        super().check(item)
        if item.get("kind") not in Topic.Kind.values:
            raise ValueError(f"kind must be one of {Topic.Kind.values}")
        if item.get("parent") is not None and not isinstance(item["parent"], str):
            raise ValueError("parent must be a topic's slug or null")

    def write(self, items, *, known_terms):
        parents = {item["slug"]: item.get("parent") for item in items}
        known = _ids(Topic, [p for p in parents.values() if p] + list(parents))
        failures = [
            (slug, f"parent {parent!r} is not defined")
            for slug, parent in parents.items()
            if parent and parent not in known and parent not in parents
        ]
        items = [item for item in items if item["slug"] not in dict(failures)]
        renamed = _renamed(Topic, items)
        parents_before = dict(Topic.objects.filter(slug__in=list(parents)).values_list("pk", "parent_id"))
        rows = [Topic(slug=item["slug"], **_values(Topic, item, self.fields)) for item in items]
        ids = _upsert(Topic, rows, self.fields)
        known.update(ids)
        for row in rows:
            row.pk, row.parent_id = ids[row.slug], known.get(parents[row.slug]) if parents[row.slug] else None
        Topic.objects.bulk_update(rows, ["parent"])
        moved = [row.pk for row in rows if parents_before.get(row.pk, row.parent_id) != row.parent_id]
        content_changed(topics=renamed, tree=True, moved=moved, whole_site=True, known_terms=known_terms)
        return len(rows), failures


class ExpertWriter(SimpleWriter):
    def check(self, item):
        super().check(item)
        _strings(item, "topics")
        _picture(item, "photo")
        links = item.get("links", [])
        if not isinstance(links, list) or not all(
            isinstance(link, list) and len(link) == 2 and all(isinstance(text, str) for text in link)
            for link in links
        ):
            raise ValueError('links must be a list of ["<label>", "<url>"]')
        for label, url in links:
            try:
                _validated(ExpertLink, {"label": label, "url": url}, ["label", "url"])
            except ValueError as error:
                raise ValueError(f"link {label!r}: {error}") from None

    def write(self, items, *, known_terms):
        topic_ids = _ids(Topic, [slug for item in items for slug in item.get("topics", [])])
        failures = [
            (item["slug"], f"topic {slug!r} is not defined")
            for item in items
            for slug in item.get("topics", [])
            if slug not in topic_ids
        ]
        items = [item for item in items if item["slug"] not in dict(failures)]
        renamed = _renamed(Expert, items)
        rows = [
            Expert(slug=item["slug"], photo=item.get("photo", ""), **_values(Expert, item, self.fields))
            for item in items
        ]
        for row in rows:  # bulk writes skip Expert.save(), which would clean the bios
            row.refresh_search_names()
            row.bio = clean_html(row.bio)
            for entry in row.translations.values():
                if entry.get("bio"):
                    entry["bio"] = clean_html(entry["bio"])
        ids = _upsert(
            Expert, rows, [*self.fields, "photo", "search_names", "latin_sort_name", "cyrillic_sort_name"]
        )
        Expert.topics.through.objects.filter(expert_id__in=ids.values()).delete()
        bulk.delete(ExpertLink.objects.filter(expert_id__in=ids.values()))  # whole_site below: no pass a row
        Expert.topics.through.objects.bulk_create(
            Expert.topics.through(expert_id=ids[item["slug"]], topic_id=topic_ids[slug])
            for item in items
            for slug in item.get("topics", [])
        )
        ExpertLink.objects.bulk_create(
            ExpertLink(expert_id=ids[item["slug"]], label=label, url=url, position=position)
            for item in items
            for position, (label, url) in enumerate(item.get("links", []))
        )
        for row in rows:
            row.pk = ids[row.slug]
        ExpertName.write_for(rows)
        # Renamed experts' articles are found by the new name from now on, not by the old one; the
        # bodies naming a renamed or new expert link to the profile (articles imported later in the
        # file get their links when they are written).
        named = [*renamed, *(ids.values() if Article.objects.exists() else ())]
        render_missing(Expert, ids.values())  # portraits named, not uploaded: their copies are made later
        content_changed(experts=renamed, named=named, whole_site=True, known_terms=known_terms)
        return len(rows), failures


class ArticleWriter:
    def check(self, item):
        _required(item, "slug", "title")
        if _language(item) not in dict(settings.LANGUAGES):
            raise ValueError(f"language must be one of {list(dict(settings.LANGUAGES))}")
        translation_of = item.get("translation_of")
        if translation_of is not None and (not isinstance(translation_of, str) or "/" not in translation_of):
            raise ValueError('translation_of must name an article as "<language>/<slug>"')
        if item.get("status") not in Article.Status.values:
            raise ValueError(f"status must be one of {Article.Status.values}")
        if item.get("published_at"):
            datetime.fromisoformat(item["published_at"])
        elif item["status"] == Article.Status.PUBLISHED:
            raise ValueError("a published article needs published_at")
        for name in ("authors", "topics", "unlinked_mentions"):
            _strings(item, name)
        for name in ("category", "source"):
            if item.get(name) is not None and not isinstance(item[name], str):
                raise ValueError(f"{name} must be a slug or null")
        _picture(item, "image")
        _validated(
            Article,
            item,
            ["slug", "title", *ARTICLE_FIELDS],
            language=_language(item),
            published_at=datetime.fromisoformat(item["published_at"]) if item.get("published_at") else None,
        )

    def write(self, items, *, known_terms):
        return self.finish(self.stage(items), known_terms=known_terms)

    def stage(self, items):
        """The batch's own rows: its articles, their bylines, topics and unlinked mentions, and
        their search documents; no row another batch writes (ArticleBatches runs two at once).
        Returns what finish() needs."""
        refs = {
            "category": _ids(Category, [i["category"] for i in items if i.get("category")]),
            "source": _ids(Source, [i["source"] for i in items if i.get("source")]),
            "authors": _ids(
                Expert, [s for i in items for s in [*i.get("authors", []), *i.get("unlinked_mentions", [])]]
            ),
            "topics": _ids(Topic, [s for i in items for s in i.get("topics", [])]),
        }
        keys = {id(item): (_language(item), item["slug"]) for item in items}
        originals = {
            id(item): _key(item["translation_of"], _language(item))
            for item in items
            if item.get("translation_of")
        }
        # An original is an article already here or one of this batch (it comes first in a file).
        known_originals = _article_ids(originals.values()).keys() | set(keys.values())
        failures = []
        for item in items:
            for name in ("category", "source"):
                if item.get(name) and item[name] not in refs[name]:
                    failures.append((keys[id(item)], f"{name} {item[name]!r} is not defined"))
            for name, ref in (("authors", "authors"), ("topics", "topics"), ("unlinked_mentions", "authors")):
                missing = [slug for slug in item.get(name, []) if slug not in refs[ref]]
                if missing:
                    failures.append((keys[id(item)], f"{name} {missing} not defined"))
            original = originals.get(id(item))
            if original and (original not in known_originals or original[0] == keys[id(item)][0]):
                failures.append((keys[id(item)], f"translation_of {item['translation_of']!r} is not defined"))
        failed = {key for key, _ in failures}
        items = [item for item in items if keys[id(item)] not in failed]
        rows = [
            Article(
                slug=item["slug"],
                language=_language(item),
                published_at=datetime.fromisoformat(item["published_at"])
                if item.get("published_at")
                else None,
                category_id=refs["category"].get(item.get("category")),
                source_id=refs["source"].get(item.get("source")),
                image=item.get("image", ""),
                **{
                    name: item.get(name, Article._meta.get_field(name).get_default())
                    for name in ARTICLE_FIELDS
                },
            )
            for item in items
        ]
        for row in rows:
            row.body = clean_html(row.body)  # bulk writes skip Article.save(), which would clean it
        Article.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["slug", "language"],
            update_fields=[*ARTICLE_FIELDS, "published_at", "category", "source", "image", "updated_at"],
        )
        written = _article_ids(keys[id(item)] for item in items)
        found = _article_ids(originals.values()) | written
        # The version links, now that every original has its id: written where the file names an
        # original, taken off an article here whose line names none (no update of every row: a
        # CASE of a thousand ids, for the few that are versions).
        for row, item in zip(rows, items, strict=True):
            row.pk = written[keys[id(item)]]
            row.translation_of_id = found[originals[id(item)]] if id(item) in originals else None
        Article.objects.bulk_update([row for row in rows if row.translation_of_id], ["translation_of"])
        Article.objects.filter(
            pk__in=[row.pk for row in rows if not row.translation_of_id], translation_of__isnull=False
        ).update(translation_of=None)
        ids = {keys[id(item)]: written[keys[id(item)]] for item in items}
        bulk.delete(ArticleAuthor.objects.filter(article_id__in=ids.values()))  # reported in finish()
        Article.topics.through.objects.filter(article_id__in=ids.values()).delete()
        # Plain rows, tens of thousands an import: straight into their tables (articles.bulk).
        bulk.insert(
            ArticleAuthor,
            ["article_id", "expert_id", "position"],
            [
                (ids[keys[id(item)]], refs["authors"][slug], position)
                for item in items
                for position, slug in enumerate(item.get("authors", []))
            ],
        )
        bulk.insert(
            Article.topics.through,
            ["article_id", "topic_id"],
            [
                (ids[keys[id(item)]], refs["topics"][slug])
                for item in items
                for slug in item.get("topics", [])
            ],
        )
        # The mentions an editor unlinked, before the bodies' links are written (they keep them so).
        ArticleMention.objects.filter(article_id__in=ids.values()).delete()
        bulk.insert(
            ArticleMention,
            ["article_id", "expert_id", "linked"],
            [
                (ids[keys[id(item)]], refs["authors"][slug], False)
                for item in items
                for slug in dict.fromkeys(item.get("unlinked_mentions", []))
            ],
        )
        return StagedArticles(list(ids.values()), search.write_index(ids.values()), len(rows), failures)

    def finish(self, staged, *, known_terms):
        """What the batch shares with others, in file order: the vocabulary, the mentions and
        references its articles make or complete, the counts, the pages. Returns (written, failures)."""
        search.add_words(staged.words, known_terms=known_terms)
        render_missing(Article, staged.ids)  # lead images named, not uploaded: their copies are made later
        content_changed(articles=staged.ids, whole_site=True, index=False)
        return staged.written, staged.failures


@dataclass
class StagedArticles:
    ids: list
    words: set  # the published ones' words, for the vocabulary
    written: int
    failures: list


class RelatedWriter:
    def check(self, item):
        _required(item, "article")
        if not isinstance(item.get("related"), list):
            raise ValueError("related must be a list of references and entries")
        for entry in item["related"]:
            if isinstance(entry, dict):
                if not isinstance(entry.get("title"), str) or not entry["title"].strip():
                    raise ValueError("an entry needs a title")
                for name in ("article", "expert", "category", "date"):
                    if entry.get(name) is not None and not isinstance(entry[name], str):
                        raise ValueError(f"an entry's {name} must be text or null")
                fields = {"title": one_line(entry["title"]), "lead": entry.get("lead") or ""}
                fields |= {"url": entry.get("url") or "", "truncated": entry.get("truncated", False)}
                if entry.get("date"):
                    fields["published_on"] = date.fromisoformat(entry["date"])
                try:
                    _validated(RelatedLink, fields, list(fields))
                except ValueError as error:
                    raise ValueError(f"entry {entry['title']!r}: {error}") from None
            elif not isinstance(entry, str):
                raise ValueError("related must be a list of references and entries")

    def write(self, items, *, known_terms):
        keys = {id(item): (_language(item), item["article"]) for item in items}
        related = {
            id(item): [self._reference(entry, _language(item)) for entry in item["related"]] for item in items
        }
        ids = _article_ids([*keys.values(), *(key for refs in related.values() for key in refs if key)])
        entries = [entry for item in items for entry in item["related"] if isinstance(entry, dict)]
        named = {
            "expert": _ids(Expert, [entry["expert"] for entry in entries if entry.get("expert")]),
            "category": _ids(Category, [entry["category"] for entry in entries if entry.get("category")]),
        }
        failures = []
        for item in items:
            key = keys[id(item)]
            missing = [
                ref
                for ref, other in zip(item["related"], related[id(item)], strict=True)
                if other and other not in ids
            ]
            if key not in ids:
                missing.insert(0, item["article"])
            unknown = [
                f"{name} {entry[name]!r}"
                for entry in item["related"]
                if isinstance(entry, dict)
                for name in ("expert", "category")
                if entry.get(name) and entry[name] not in named[name]
            ]
            if missing:
                failures.append((key, f"articles {missing} not defined"))
            elif unknown:
                failures.append((key, f"{', '.join(unknown)} not defined"))
            elif key in related[id(item)]:
                failures.append((key, "an article cannot be related to itself"))
        failed = {key for key, _ in failures}
        items = [item for item in items if keys[id(item)] not in failed]
        listing = RelatedLink.objects.filter(kind=RelatedLink.Kind.LISTING)
        listing.filter(article_id__in=[ids[keys[id(item)]] for item in items]).delete()
        rows = []
        for item in items:
            article, linked, position = ids[keys[id(item)]], set(), 0
            for entry, other in zip(item["related"], related[id(item)], strict=True):
                if other in linked:  # an article once; entries waiting (None) as often as listed
                    continue
                row = RelatedLink(article_id=article, related_id=ids[other] if other else None)
                if other:
                    linked.add(other)
                if isinstance(entry, dict):
                    row.title = one_line(entry["title"])
                    row.title_key = folded_words(row.title)
                    row.truncated = bool(entry.get("truncated"))
                    row.published_on = date.fromisoformat(entry["date"]) if entry.get("date") else None
                    row.lead, row.url = entry.get("lead") or "", entry.get("url") or ""
                    row.expert_id = named["expert"].get(entry.get("expert"))
                    row.category_id = named["category"].get(entry.get("category"))
                row.position, position = position, position + 1
                rows.append(row)
        created = RelatedLink.objects.bulk_create(rows)
        waiting = [row.pk for row in created if row.related_id is None and row.pk]
        content_changed(links=waiting, whole_site=True, index=False)
        return len(items), failures

    @staticmethod
    def _reference(entry, language):
        if isinstance(entry, dict):
            return _key(entry["article"], language) if entry.get("article") else None
        return _key(entry, language)


# Line types that other apps read and write, registered in their AppConfig.ready(): this module
# knows nothing of them. Export: left out unless asked for (export_kb --with-subscribers).
OPTIONAL_EXPORTS = {}

ARTICLES = ArticleWriter()
WRITERS = {
    "source": SimpleWriter(Source, SOURCE_FIELDS),
    "category": SimpleWriter(Category, CATEGORY_FIELDS),
    "topic": TopicWriter(Topic, TOPIC_FIELDS),
    "expert": ExpertWriter(Expert, EXPERT_FIELDS),
    "article": ARTICLES,
    "related": RelatedWriter(),
}
