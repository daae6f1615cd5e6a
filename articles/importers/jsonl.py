"""The whole knowledge base as JSON Lines, and back: one object a line, everything by slug.

Lines come in dependency order: sources, categories, topics (parents first), experts, articles
(with their authors and topics), then "related" lines (an article's related links, in order), so
that an import can stream: every slug a line names was defined above it. Export → empty database →
import → export gives the same bytes. Row timestamps (created/updated) are bookkeeping, not content,
and are not carried.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby

from django.db import transaction
from django.db.models import Prefetch

from articles import search
from articles.derived import content_changed
from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from articles.richtext import clean_html, without_unsafe_characters
from experts.models import Expert, ExpertLink

BATCH = 1000
SOURCE_FIELDS = ["name", "url", "disclaimer"]
CATEGORY_FIELDS = ["name", "description"]
TOPIC_FIELDS = ["name", "kind", "description"]
EXPERT_FIELDS = ["name", "last_name", "position", "organisation", "country", "bio"]
ARTICLE_FIELDS = [
    "title", "lead", "body", "status", "original_url", "image_alt", "image_caption", "image_credit",
    "needs_review", "is_stub",
]  # fmt: skip


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


# Export -----------------------------------------------------------------------------------------


def export_lines():
    """Yield the knowledge base as JSON Lines, in constant memory."""
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
    articles = (
        Article.objects.order_by("slug")
        .select_related("category", "source")
        .prefetch_related(
            Prefetch("topics", Topic.objects.only("slug")),
            Prefetch(
                "article_authors", ArticleAuthor.objects.select_related("expert").order_by("position", "pk")
            ),
        )
    )
    for article in articles.iterator(chunk_size=BATCH):
        yield dumps(
            {
                "type": "article",
                "slug": article.slug,
                **_fields(article, ARTICLE_FIELDS),
                "published_at": article.published_at.astimezone(UTC).isoformat()
                if article.published_at
                else None,
                "category": article.category.slug if article.category else None,
                "source": article.source.slug if article.source else None,
                "image": article.image.name or "",
                "authors": [link.expert.slug for link in article.article_authors.all()],
                "topics": sorted(topic.slug for topic in article.topics.all()),
            }
        )
    links = RelatedLink.objects.order_by("article__slug", "position", "pk").values_list(
        "article__slug", "related__slug"
    )
    for slug, rows in groupby(links.iterator(chunk_size=BATCH), key=lambda row: row[0]):
        yield dumps({"type": "related", "article": slug, "related": [related for _, related in rows]})


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


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


def import_lines(lines: Iterable[str]):
    """Create or update everything the JSON Lines describe, streaming in batches.

    A line that cannot be imported (bad JSON, unknown type, a slug that names nothing) is
    reported with its number and skipped; the rest of its batch is written.
    """
    with search.bulk_writes():
        report = _import(lines)
    search.update_planner_statistics()
    return report


def _import(lines):
    report, batch, kind = ImportReport(), [], None
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
            _flush(kind, batch, report, known_terms)
            batch = []
        kind = item["type"]
        batch.append((number, item))
    if batch:
        _flush(kind, batch, report, known_terms)
    return report


def _flush(kind, batch, report, known_terms):
    valid = []
    for number, item in batch:
        try:
            WRITERS[kind].check(item)
        except (KeyError, TypeError, ValueError) as error:
            report.errors.append(f"line {number}: {kind} {item.get('slug', '')!r}: {error}")
        else:
            valid.append((number, item))
    with transaction.atomic():
        written, failures = WRITERS[kind].write([item for _, item in valid], known_terms=known_terms)
    for slug, error in failures:
        number = next(n for n, item in valid if item.get("slug", item.get("article")) == slug)
        report.errors.append(f"line {number}: {kind} {slug!r}: {error}")
    report.count(kind, written)


def _required(item, *names):
    for name in names:
        if not isinstance(item.get(name), str) or not item[name]:
            raise ValueError(f"{name} is missing")


def _upsert(model, rows, fields):
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=["slug"], update_fields=fields)
    return dict(model.objects.filter(slug__in=[row.slug for row in rows]).values_list("slug", "pk"))


def _renamed(model, items):
    """Ids of the existing rows whose name the items change (their articles' index holds it)."""
    names = {item["slug"]: item.get("name", "") for item in items}
    existing = model.objects.filter(slug__in=list(names)).values_list("pk", "slug", "name")
    return [pk for pk, slug, name in existing if names[slug] != name]


def _ids(model, slugs):
    return dict(model.objects.filter(slug__in=set(slugs)).values_list("slug", "pk"))


class SimpleWriter:
    def __init__(self, model, fields):
        self.model, self.fields = model, fields

    def check(self, item):
        _required(item, "slug", "name")

    def write(self, items, *, known_terms):
        rows = [self.model(slug=item["slug"], **{f: item.get(f, "") for f in self.fields}) for item in items]
        _upsert(self.model, rows, self.fields)
        content_changed(whole_site=True)  # bulk writes send no signals; names show on every card
        return len(rows), []


class TopicWriter(SimpleWriter):
    def check(self, item):
        super().check(item)
        if item.get("kind") not in Topic.Kind.values:
            raise ValueError(f"kind must be one of {Topic.Kind.values}")

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
        rows = [Topic(slug=item["slug"], **{f: item.get(f, "") for f in self.fields}) for item in items]
        ids = _upsert(Topic, rows, self.fields)
        known.update(ids)
        for row in rows:
            row.pk, row.parent_id = ids[row.slug], known.get(parents[row.slug]) if parents[row.slug] else None
        Topic.objects.bulk_update(rows, ["parent"])
        moved = [row.pk for row in rows if parents_before.get(row.pk, row.parent_id) != row.parent_id]
        content_changed(topics=renamed, tree=True, moved=moved, whole_site=True, known_terms=known_terms)
        return len(rows), failures


class ExpertWriter(SimpleWriter):
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
            Expert(
                slug=item["slug"], photo=item.get("photo", ""), **{f: item.get(f, "") for f in self.fields}
            )
            for item in items
        ]
        for row in rows:
            row.bio = clean_html(row.bio)  # bulk writes skip Expert.save(), which would clean it
        ids = _upsert(Expert, rows, [*self.fields, "photo"])
        Expert.topics.through.objects.filter(expert_id__in=ids.values()).delete()
        ExpertLink.objects.filter(expert_id__in=ids.values()).delete()
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
        # Renamed experts' articles are found by the new name from now on, not by the old one.
        content_changed(experts=renamed, whole_site=True, known_terms=known_terms)
        return len(rows), failures


class ArticleWriter:
    def check(self, item):
        _required(item, "slug", "title")
        if item.get("status") not in Article.Status.values:
            raise ValueError(f"status must be one of {Article.Status.values}")
        if item.get("published_at"):
            datetime.fromisoformat(item["published_at"])
        elif item["status"] == Article.Status.PUBLISHED:
            raise ValueError("a published article needs published_at")

    def write(self, items, *, known_terms):
        refs = {
            "category": _ids(Category, [i["category"] for i in items if i.get("category")]),
            "source": _ids(Source, [i["source"] for i in items if i.get("source")]),
            "authors": _ids(Expert, [s for i in items for s in i.get("authors", [])]),
            "topics": _ids(Topic, [s for i in items for s in i.get("topics", [])]),
        }
        failures = []
        for item in items:
            for name in ("category", "source"):
                if item.get(name) and item[name] not in refs[name]:
                    failures.append((item["slug"], f"{name} {item[name]!r} is not defined"))
            for name in ("authors", "topics"):
                missing = [slug for slug in item.get(name, []) if slug not in refs[name]]
                if missing:
                    failures.append((item["slug"], f"{name} {missing} not defined"))
        failed = {slug for slug, _ in failures}
        items = [item for item in items if item["slug"] not in failed]
        rows = [
            Article(
                slug=item["slug"],
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
        ids = _upsert(
            Article, rows, [*ARTICLE_FIELDS, "published_at", "category", "source", "image", "updated_at"]
        )
        ArticleAuthor.objects.filter(article_id__in=ids.values()).delete()
        Article.topics.through.objects.filter(article_id__in=ids.values()).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article_id=ids[item["slug"]], expert_id=refs["authors"][slug], position=position)
            for item in items
            for position, slug in enumerate(item.get("authors", []))
        )
        Article.topics.through.objects.bulk_create(
            Article.topics.through(article_id=ids[item["slug"]], topic_id=refs["topics"][slug])
            for item in items
            for slug in item.get("topics", [])
        )
        content_changed(articles=ids.values(), whole_site=True, known_terms=known_terms)
        return len(rows), failures


class RelatedWriter:
    def check(self, item):
        _required(item, "article")
        if not isinstance(item.get("related"), list):
            raise ValueError("related must be a list of slugs")

    def write(self, items, *, known_terms):
        ids = _ids(Article, [i["article"] for i in items] + [s for i in items for s in i["related"]])
        failures = []
        for item in items:
            missing = [slug for slug in [item["article"], *item["related"]] if slug not in ids]
            if missing:
                failures.append((item["article"], f"articles {missing} not defined"))
            elif item["article"] in item["related"]:
                failures.append((item["article"], "an article cannot be related to itself"))
        failed = {slug for slug, _ in failures}
        items = [item for item in items if item["article"] not in failed]
        RelatedLink.objects.filter(article_id__in=[ids[item["article"]] for item in items]).delete()
        RelatedLink.objects.bulk_create(
            RelatedLink(article_id=ids[item["article"]], related_id=ids[slug], position=position)
            for item in items
            for position, slug in enumerate(dict.fromkeys(item["related"]))
        )
        content_changed(whole_site=True, index=False)
        return len(items), failures


WRITERS = {
    "source": SimpleWriter(Source, SOURCE_FIELDS),
    "category": SimpleWriter(Category, CATEGORY_FIELDS),
    "topic": TopicWriter(Topic, TOPIC_FIELDS),
    "expert": ExpertWriter(Expert, EXPERT_FIELDS),
    "article": ArticleWriter(),
    "related": RelatedWriter(),
}
