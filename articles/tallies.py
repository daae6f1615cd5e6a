"""Stored counts and top lists: what pages would otherwise count over the whole archive on each view.

Pages read small rows by index: the number of published articles under each topic (subtopics
included), by each expert, of each category, source and year, in the archive, and per (topic,
expert) pair, which gives a topic's top experts and an expert's top topics.

They are kept by difference. Each article's ArticleTally row holds the keys it adds 1 to; when a
write reports articles to articles.derived.content_changed(), recount() compares those keys with
what the articles are now and applies only the difference, in the write's own transaction. A save
costs what it changed, not what the archive holds. A scheduled piece counts nothing until it is
due: its row holds the time, and articles.derived.release_due() counts it then.

Keys (written by key(), read by parse(); the letters are those of models.Counted, which Tally and
Timeline share): "a" (the archive), "u12" (under topic 12 or a subtopic), "e3", "c2", "s1",
"y2024", "m3" (naming expert 3 in the body, not by them: the profile's "Mentioned in"), two
pairs counted in TopicExpertTally: "p12:3" (by expert 3 under topic 12, subtopics included),
"d12:3" (by expert 3, tagged 12 itself), and one in TopicCategoryTally: "g12:2" (of category 2
under topic 12, subtopics included). The counts of the first six kinds and of "p" and "g" are
kept per language too, with the language after a slash ("u12/ru", "p12:3/ru"): a page lists its
own language's articles by default.

The same rows keep the articles' places on the timelines of their topics and experts (Timeline,
read by the related fill-in and the topic and expert listings): two more keys, counted nowhere,
say where an article stands, "t12" (tagged 12 itself) and "@2024-03-01T09:00:00+00:00/en" (its
date and language); with the "u", "e" and "m" keys they tell which articles moved on their
timelines, whose rows are written again.
"""

import functools
import operator
from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from articles import bulk
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleMention,
    ArticleTally,
    Counted,
    Tally,
    Timeline,
    TopicCategoryTally,
    TopicExpertTally,
    published_condition,
)

Kind = Counted
PAIR = "p"  # by an expert under a topic, subtopics included: TopicExpertTally.articles
PAIR_TAGGED = "d"  # by an expert, tagged with the topic itself: TopicExpertTally.direct
PAIR_CATEGORY = "g"  # of a category under a topic, subtopics included: TopicCategoryTally.articles
DATE = "@"  # an article's date and language: where it stands on its timelines
PLACES = {Kind.TOPIC, Kind.UNDER_TOPIC, Kind.EXPERT, Kind.MENTION}  # keys that are places on a timeline
NOT_COUNTED = {Kind.TOPIC, DATE}  # places only: the counts are those under a topic
PER_LANGUAGE = {
    Kind.ARCHIVE,
    Kind.UNDER_TOPIC,
    Kind.EXPERT,
    Kind.CATEGORY,
    Kind.SOURCE,
    Kind.YEAR,
    PAIR,
    PAIR_CATEGORY,
}


def key(kind, ref="", *, language=""):
    """One key as ArticleTally.keys holds it: key(Kind.UNDER_TOPIC, 12, language="ru") == "u12/ru",
    key(PAIR, "12:3") == "p12:3"."""
    return f"{kind}{ref}/{language}" if language else f"{kind}{ref}"


@functools.lru_cache(maxsize=1 << 16)  # a recount parses each key a dozen times; most keys recur
def parse(text):
    """(kind, ref, language) of a key, ref as text: parse("u12/ru") == ("u", "12", "ru")."""
    ref, _, language = text[1:].partition("/")
    return text[0], ref, language


BATCH = 2_000  # articles recounted per round: a bulk writer's batch, a rebuild's step


def recount(article_ids):
    """Bring the stored counts in line with these articles as they are now (deleted ones included)."""
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic(savepoint=False):  # a writer's transaction, or one of its own
            _recount(ids[start : start + BATCH])


def due():
    """Ids of the scheduled pieces whose time has come and which are not counted yet."""
    return list(ArticleTally.objects.filter(due_at__lte=timezone.now()).values_list("article_id", flat=True))


def next_due():
    """When the next scheduled piece is due (None if none is waiting)."""
    waiting = ArticleTally.objects.filter(due_at__isnull=False).order_by("due_at")
    return waiting.values_list("due_at", flat=True).first()


def rebuild(progress=None):
    """Count everything again from the archive (after writes that bypassed the ORM: SQL, a restore);
    `progress(done, total)` is told after each batch."""
    with transaction.atomic():
        for model in (ArticleTally, Tally, TopicExpertTally, TopicCategoryTally, Timeline):
            model.objects.all().delete()
    released = Article.objects.released()
    last, done, total = 0, 0, released.count()
    while ids := list(released.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        recount(ids)
        last, done = ids[-1], done + len(ids)
        if progress:
            progress(done, max(total, done))


def listed(kind, ref, count, *, oldest=False, language="", conditions=()):
    """The ids of the `count` newest (or oldest) published articles under a topic (Tally.Kind.UNDER_TOPIC,
    subtopics included) or by an expert (Tally.Kind.EXPERT), in `language` (blank: any), as a
    subquery: one walk of the timelines' index, however many articles the topic or the expert has.
    `conditions` narrow the rows walked: on their `published_at`, or on_timeline() and other
    Exists() of their `article_id` (the walk then reads as many rows as it takes to find `count`)."""
    order = ("published_at", "article_id") if oldest else ("-published_at", "-article_id")
    rows = Timeline.objects.filter(*conditions, kind=kind, ref=ref)
    if language:
        rows = rows.filter(language=language)
    return rows.order_by(*order).values("article_id")[:count]


def on_timeline(kind, refs):
    """A condition on timeline rows (listed()'s `conditions`): their article is also on the timeline
    of one of `refs` of `kind` (Tally.Kind.UNDER_TOPIC or EXPERT), looked up by the article."""
    return Exists(Timeline.objects.filter(kind=kind, ref__in=refs, article_id=OuterRef("article_id")))


def sizes(keys, *, pairs=(), language=""):
    """{(Tally.Kind, ref): count} of published articles stored for `keys`, (Tally.Kind, ref)
    pairs, and for each of `pairs`, (PAIR, topic id, expert id) or (PAIR_CATEGORY, topic id,
    category id), {pair: count}, in `language` (blank: all), in one query; a key with none stored
    is left out (none published)."""
    parts = []
    if keys:
        places = functools.reduce(operator.or_, (Q(kind=kind, ref=ref) for kind, ref in keys))
        parts.append(Tally.objects.filter(places, language=language).values_list("kind", "ref", "count"))
    for kind, topic, other in pairs:
        model, field = (
            (TopicExpertTally, "expert_id") if kind == PAIR else (TopicCategoryTally, "category_id")
        )
        rows = model.objects.filter(topic_id=topic, language=language, **{field: other})
        parts.append(
            rows.annotate(kind=Value(kind), ref=F("topic_id")).values_list("kind", "ref", "articles")
        )
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    paired = {kind: pair for kind, *pair in pairs}
    return {
        (kind, *paired[kind]) if kind in paired else (Kind(kind), ref): count
        for kind, ref, count in rows.order_by()
    }


def counts(kind, refs=None, *, language=""):
    """{ref: count} of one kind of key (Tally.Kind) in `language` (blank: all languages), for the
    given refs or all of them."""
    rows = Tally.objects.filter(kind=kind, language=language)
    if refs is not None:
        rows = rows.filter(ref__in=list(refs))
    return dict(rows.values_list("ref", "count"))


def count(kind, ref=0, *, language=""):
    """One stored count: count(Tally.Kind.UNDER_TOPIC, topic.pk), or count(…, language="ru")."""
    rows = Tally.objects.filter(kind=kind, ref=ref, language=language)
    return rows.values_list("count", flat=True).first() or 0


def stored(kind, ref, *, language=""):
    """One stored count as an expression, to read with the row it counts (`ref`: an OuterRef):
    Expert.objects.annotate(article_count=stored(Kind.EXPERT, OuterRef("pk")))."""
    rows = Tally.objects.filter(kind=kind, ref=ref, language=language)
    return Coalesce(Subquery(rows.values("count")[:1]), 0)


def direct_counts():
    """The same counts (and timelines) taken straight from the archive: what the stored ones must
    equal (tests, `manage.py rebuild_tallies --check`). Slow on a large archive; never on a page."""
    published = Article.objects.published()
    tagged = Article.topics.through.objects.filter(published_condition("article__"))
    authored = ArticleAuthor.objects.filter(published_condition("article__"))
    ancestor = "topic__ancestor_links__ancestor_id"

    def grouped(rows, *fields):
        rows = rows.order_by().values(*fields).annotate(n=Count("article_id", distinct=True))
        return {tuple(row[field] for field in fields): row["n"] for row in rows}

    found = {(Kind.ARCHIVE, 0): published.count()}
    for (language,), n in grouped(published.annotate(article_id=F("pk")), "language").items():
        found[Kind.ARCHIVE, 0, language] = n
    years = published.annotate(year=ExtractYear("published_at"), article_id=F("pk"))
    for kind, rows, field in (
        (Kind.CATEGORY, published.exclude(category=None).annotate(article_id=F("pk")), "category_id"),
        (Kind.SOURCE, published.exclude(source=None).annotate(article_id=F("pk")), "source_id"),
        (Kind.YEAR, years, "year"),
        (Kind.EXPERT, authored.annotate(language=F("article__language")), "expert_id"),
        (Kind.UNDER_TOPIC, tagged.annotate(language=F("article__language")), ancestor),
    ):
        found |= {(kind, ref): n for (ref,), n in grouped(rows, field).items()}
        found |= {(kind, ref, language): n for (ref, language), n in grouped(rows, field, "language").items()}
    pairs = tagged.filter(article__article_authors__isnull=False).annotate(
        expert=F("article__article_authors__expert_id")
    )
    for (topic, expert), n in grouped(pairs, ancestor, "expert").items():
        found[(PAIR, topic, expert)] = n
    for (topic, expert, language), n in grouped(pairs, ancestor, "expert", "article__language").items():
        found[(PAIR, topic, expert, language)] = n
    for (topic, expert), n in grouped(pairs, "topic_id", "expert").items():
        found[(PAIR_TAGGED, topic, expert)] = n
    of_category = tagged.exclude(article__category=None).annotate(category=F("article__category_id"))
    for (topic, category), n in grouped(of_category, ancestor, "category").items():
        found[(PAIR_CATEGORY, topic, category)] = n
    for (topic, category, language), n in grouped(
        of_category, ancestor, "category", "article__language"
    ).items():
        found[(PAIR_CATEGORY, topic, category, language)] = n
    mentioned = ArticleMention.objects.filter(published_condition("article__")).exclude(
        article__article_authors__expert=F("expert")
    )
    found |= {(Kind.MENTION, expert): n for (expert,), n in grouped(mentioned, "expert_id").items()}
    # Timelines: each place once, with the article's date.
    for kind, rows, field in (
        (Timeline.Kind.TOPIC, tagged, "topic_id"),
        (Timeline.Kind.UNDER_TOPIC, tagged, ancestor),
        (Timeline.Kind.EXPERT, authored, "expert_id"),
        (Timeline.Kind.MENTION, mentioned, "expert_id"),
    ):
        for ref, pk, when, language in rows.values_list(
            field, "article_id", "article__published_at", "article__language"
        ):
            found["timeline", kind, ref, pk] = ((when, language),)
    return found


def stored_counts():
    """The stored counts (and timelines) in direct_counts()' shape, zeros left out."""
    tallies = Tally.objects.exclude(count=0).values_list("kind", "ref", "language", "count")
    found = {(kind, ref, language) if language else (kind, ref): n for kind, ref, language, n in tallies}
    for topic, expert, language, articles, direct in TopicExpertTally.objects.values_list(
        "topic_id", "expert_id", "language", "articles", "direct"
    ):
        if articles:
            found[(PAIR, topic, expert, language) if language else (PAIR, topic, expert)] = articles
        if direct:
            found[(PAIR_TAGGED, topic, expert)] = direct
    for topic, category, language, articles in TopicCategoryTally.objects.exclude(articles=0).values_list(
        "topic_id", "category_id", "language", "articles"
    ):
        found[
            (PAIR_CATEGORY, topic, category, language) if language else (PAIR_CATEGORY, topic, category)
        ] = articles
    rows = Timeline.objects.values_list("kind", "ref", "article_id", "published_at", "language")
    for kind, ref, pk, when, language in rows:
        found["timeline", kind, ref, pk] = (*found.get(("timeline", kind, ref, pk), ()), (when, language))
    return found


def _recount(ids):
    held = {
        pk: (set(keys.split()), due_at)
        for pk, keys, due_at in ArticleTally.objects.select_for_update()
        .filter(article_id__among=ids)
        .values_list("article_id", "keys", "due_at")
    }
    keys, due, dates, languages = _keys_now(ids)
    changes, latest = Counter(), {}
    for pk in ids:
        before, now = held.get(pk, (set(), None))[0], keys.get(pk, set())
        changes.update(_counted(now - before))
        changes.subtract(_counted(before - now))
        if now != before:
            for text in now:
                kind, _, language = parse(text)
                newest = kind in (Kind.EXPERT, Kind.UNDER_TOPIC) and not language  # the sitemap's
                if newest and latest.get(text, dates[pk]) <= dates[pk]:
                    latest[text] = dates[pk]
    _add(changes, latest)
    gone = [pk for pk in held if pk not in keys and pk not in due]
    if gone:
        ArticleTally.objects.filter(article_id__among=gone).delete()
    rows = [
        ArticleTally(article_id=pk, keys=" ".join(sorted(keys.get(pk, ()))), due_at=due.get(pk))
        for pk in ids
        if (pk in keys or pk in due) and held.get(pk) != (keys.get(pk, set()), due.get(pk))
    ]
    if rows:
        ArticleTally.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["article_id"], update_fields=["keys", "due_at"]
        )
    # The places of the articles that moved on their timelines, written again whole.
    moved = [pk for pk in ids if _placing(held.get(pk, (set(),))[0]) != _placing(keys.get(pk, set()))]
    if moved:
        Timeline.objects.filter(article_id__among=moved).delete()
        bulk.insert(
            Timeline,
            ["kind", "ref", "published_at", "article_id", "language"],
            [
                (kind, int(ref), dates[pk], pk, languages[pk])
                for pk in moved
                for kind, ref, _ in map(parse, sorted(filter(_is_place, keys.get(pk, ()))))
            ],
        )


def _counted(keys):
    return [key for key in keys if parse(key)[0] not in NOT_COUNTED]


def _is_place(text):
    """Whether a key is a place on a timeline ("t12", "u12", "e3"; not a language's count "u12/ru")."""
    kind, _, language = parse(text)
    return kind in PLACES and not language


def _placing(keys):
    """The keys that place an article on its timelines: its date and language, its own topics, the
    topics it is under, its experts, those it mentions."""
    return {text for text in keys if parse(text)[0] == DATE or _is_place(text)}


def _keys_now(ids):
    """{id: keys}, {id: publication time} and {id: language} of the public articles among `ids`,
    and {id: due time} of the scheduled ones."""
    now = timezone.now()
    keys, due, dates, languages, categories = {}, {}, {}, {}, {}
    rows = (
        Article.objects.released()
        .filter(pk__among=ids)
        .values_list("pk", "published_at", "category_id", "source_id", "language")
    )
    for pk, published_at, category, source, language in rows:
        if published_at > now:
            due[pk] = published_at
            continue
        # The site's year, whatever zone the writer's request runs in (the desk may have its own).
        year = timezone.localtime(published_at, timezone.get_default_timezone()).year
        keys[pk] = {
            key(Kind.ARCHIVE),
            key(Kind.YEAR, year),
            key(DATE, published_at.isoformat(), language=language),
        }
        dates[pk], languages[pk] = published_at, language
        if category:
            keys[pk].add(key(Kind.CATEGORY, category))
            categories[pk] = category
        if source:
            keys[pk].add(key(Kind.SOURCE, source))
    if not keys:
        return keys, due, dates, languages
    # Bylines and topics (each with the topics above it) in one query.
    public = list(keys)
    links = (
        ArticleAuthor.objects.filter(article__pk__among=public)
        .order_by()
        .annotate(kind=Value(Kind.EXPERT), ref=F("expert_id"), above=Value(None, IntegerField()))
        .values_list("article_id", "kind", "ref", "above")
        .union(
            Article.topics.through.objects.filter(article__pk__among=public)
            .order_by()
            .annotate(
                kind=Value(Kind.TOPIC), ref=F("topic_id"), above=F("topic__ancestor_links__ancestor_id")
            )
            .values_list("article_id", "kind", "ref", "above"),
            ArticleMention.objects.filter(article__pk__among=public)
            .order_by()
            .annotate(kind=Value(Kind.MENTION), ref=F("expert_id"), above=Value(None, IntegerField()))
            .values_list("article_id", "kind", "ref", "above"),
            all=True,
        )
        .order_by()
    )
    experts, tags, mentioned = {}, [], []
    for pk, kind, ref, above in links:
        if kind == Kind.EXPERT:
            experts.setdefault(pk, set()).add(ref)
            keys[pk].add(key(Kind.EXPERT, ref))
        elif kind == Kind.MENTION:
            mentioned.append((pk, ref))
        else:
            tags.append((pk, ref, above))
            keys[pk].add(key(Kind.TOPIC, ref))
    for pk, expert in mentioned:
        if expert not in experts.get(pk, ()):  # an author naming themselves is not "mentioned in"
            keys[pk].add(key(Kind.MENTION, expert))
    for pk, topic, ancestor in tags:
        keys[pk].add(key(Kind.UNDER_TOPIC, ancestor))
        if pk in categories:
            keys[pk].add(key(PAIR_CATEGORY, f"{ancestor}:{categories[pk]}"))
        for expert in experts.get(pk, ()):
            keys[pk].add(key(PAIR, f"{ancestor}:{expert}"))
            if ancestor == topic:
                keys[pk].add(key(PAIR_TAGGED, f"{topic}:{expert}"))
    for pk, held in keys.items():
        held |= {
            key(kind, ref, language=languages[pk])
            for kind, ref, _ in map(parse, held)
            if kind in PER_LANGUAGE
        }
    return keys, due, dates, languages


def _add(changes, latest):
    """Add each key's change to its stored count, and raise its newest publication to `latest`,
    creating rows as needed: one statement per table."""
    counts, pairs, of_category = {}, {}, {}
    for text in changes.keys() | latest.keys():
        kind, ref, language = parse(text)
        if kind == PAIR_CATEGORY:
            if changes[text]:
                of_category[(*map(int, ref.split(":")), language)] = changes[text]
        elif kind in (PAIR, PAIR_TAGGED):
            if not changes[text]:
                continue
            topic, expert = map(int, ref.split(":"))
            articles, direct = pairs.get((topic, expert, language), (0, 0))
            change = changes[text]
            pairs[topic, expert, language] = (
                (articles + change, direct) if kind == PAIR else (articles, direct + change)
            )
        elif changes[text] or text in latest:
            when = latest.get(text)
            counts[text] = (
                kind,
                int(ref or 0),
                language,
                changes[text],
                when and connection.ops.adapt_datetimefield_value(when),
            )
    _upsert(Tally, ["kind", "ref", "language"], ["count"], list(counts.values()), newest="latest")
    _upsert(
        TopicExpertTally,
        ["topic_id", "expert_id", "language"],
        ["articles", "direct"],
        [(*pair, articles, direct) for pair, (articles, direct) in pairs.items()],
    )
    _upsert(
        TopicCategoryTally,
        ["topic_id", "category_id", "language"],
        ["articles"],
        [(*pair, articles) for pair, articles in of_category.items()],
    )


def _upsert(model, key_columns, count_columns, rows, *, newest=None):
    """INSERT … ON CONFLICT DO UPDATE SET count = count + EXCLUDED.count (and `newest` to the later
    of the two), the same on PostgreSQL and SQLite: Django's bulk_create can replace a value on
    conflict but not add to it."""
    if not rows:
        return
    # In the keys' order (each key once, so the other columns are never compared): two writers
    # counting the same keys lock their rows in the same order, and wait rather than deadlock.
    rows = sorted(rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_columns, *count_columns, *([newest] if newest else [])]
    quoted = [connection.ops.quote_name(column) for column in columns]
    counted = quoted[len(key_columns) : len(key_columns) + len(count_columns)]
    additions = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in counted)
    if newest:
        name = quoted[-1]
        additions += (
            f", {name} = CASE WHEN {table}.{name} IS NULL OR EXCLUDED.{name} > {table}.{name}"
            f" THEN EXCLUDED.{name} ELSE {table}.{name} END"
        )
    conflict = ", ".join(quoted[: len(key_columns)])
    update = f"ON CONFLICT ({conflict}) DO UPDATE SET {additions}"
    insert = f"INSERT INTO {table} ({', '.join(quoted)})"
    # Only the models' own table and column names are formatted in; the values are bound.
    if connection.vendor == "postgresql":
        # One statement, a column an array, sent in binary: thousands of rows' placeholders in a
        # VALUES list cost more to parse (psycopg, then the server) than to write.
        arrays = ", ".join(f"%b::{_array_type(model, column)}" for column in columns)
        sql = f"{insert} SELECT * FROM unnest({arrays}) {update}"  # noqa: S608
        with bulk.binary_cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return
    with connection.cursor() as cursor:
        per_statement = 900 // len(columns)  # well under SQLite's limit of bound parameters
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            sql = f"{insert} VALUES {values} {update}"
            cursor.execute(sql, [value for row in chunk for value in row])


def _array_type(model, column):
    """The PostgreSQL array type of a column's values ("bigint[]", "varchar[]": no length, which
    would truncate rather than fail)."""
    return model._meta.get_field(column).db_type(connection).split("(")[0] + "[]"
