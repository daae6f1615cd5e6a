"""A synthetic archive of realistic shape and size, for benchmarks (`generate_corpus`).

Its words are those of the sample pages, drawn with their natural skew so that common and rare
words behave as in real text, plus invented proper names so that names are rare. A share of the
articles (RUSSIAN_SHARE by default) is in Russian, made of the Russian sample's words with their
inflections, so that scale figures cover both languages' search. Experts' output
follows a Zipf law (a few write thousands of pieces); some topics are very broad. Rows go in with
bulk inserts (COPY on PostgreSQL), bypassing signals: the generator indexes each batch from what it
generated, and reports each batch to the write path once written (mentions, stored counts).
"""

import random
import re
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from articles import bulk, search
from articles.derived import content_changed
from articles.models import Article, ArticleAuthor, Category, Source, Topic, slug_for
from articles.search.documents import Document, filter_terms, html_to_text
from experts.models import Expert, ExpertName

PAGES = Path(__file__).resolve().parent.parent / "demo" / "pages"
SYLLABLES = [
    "ka",
    "ro",
    "vi",
    "len",
    "mar",
    "tov",
    "sha",
    "rin",
    "do",
    "ber",
    "gu",
    "nes",
    "ta",
    "mi",
    "zel",
    "por",
    "an",
    "ek",
    "ul",
    "sky",
    "ova",
    "ich",
    "son",
    "lev",
    "ner",
    "ma",
    "li",
    "ko",
    "ra",
    "du",
]
THEMES = [
    "International Security", "Energy", "Global Economy", "Arms Control", "Diplomacy", "Migration",
    "Climate", "Technology", "Trade", "Terrorism", "Global Governance", "Information Policy",
]  # fmt: skip
REGIONS = ["Asia-Pacific", "Europe", "Middle East", "Africa", "Americas", "Eurasia", "Arctic", "South Asia"]
POSITIONS = ["Senior Fellow", "Research Fellow", "Professor", "Director", "Programme Director", "Analyst"]
CATEGORIES = ["Expert Opinions", "Interviews", "Reports", "News"]
SOURCES = ["Valdai Discussion Club", "Russia Direct", "Policy Review", "Global Affairs", "Eastern Outlook"]
BATCH = 2000
PARAGRAPH_POOL = 3000
RUSSIAN_SHARE = 0.3
# The words of each language: runs of its letters in the sample pages.
LETTERS = {"en": r"[A-Za-z][A-Za-z'-]+", "ru": r"[А-Яа-яЁё][А-Яа-яЁё-]+"}


class Corpus:
    def __init__(self, *, seed):
        self.rng = random.Random(seed)
        text = "\n".join(page.read_text(encoding="utf-8") for page in sorted(PAGES.glob("*.txt")))
        self.words, self.cum_word_weights, self.paragraphs = {}, {}, {}
        for language, letters in LETTERS.items():
            counts = Counter(word.lower() for word in re.findall(letters, text))
            self.words[language] = [word for word, _ in counts.most_common()]
            self.cum_word_weights[language] = _cumulative([1 / (rank + 1) for rank in range(len(counts))])
        self.names = sorted({self.pseudo_name() for _ in range(20000)})
        # Paragraphs drawn once and combined per article: drawing every word of a million bodies
        # would be most of the generation's time. Each body still gets words of its own (a sentence
        # with a name), so rare words stay rare.
        for language in LETTERS:
            self.paragraphs[language] = [self.paragraph(language) for _ in range(PARAGRAPH_POOL)]

    def pseudo_name(self):
        return "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 3))).capitalize()

    def sentence(self, language="en", low=8, high=24):
        count = self.rng.randint(low, high)
        words = self.rng.choices(self.words[language], cum_weights=self.cum_word_weights[language], k=count)
        if self.rng.random() < 0.3:  # a proper name now and then: the rare words of real text
            words[self.rng.randrange(len(words))] = self.rng.choice(self.names)
        return " ".join(words).capitalize() + "."

    def paragraph(self, language="en"):
        return " ".join(self.sentence(language) for _ in range(self.rng.randint(2, 6)))

    def body(self, language="en"):
        paragraphs = self.rng.choices(self.paragraphs[language], k=self.rng.randint(3, 9))
        paragraphs[self.rng.randrange(len(paragraphs))] += " " + self.sentence(language)
        return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)

    def title(self, language="en"):
        title = self.sentence(language, 4, 11).rstrip(".")
        return title.title() if language == "en" else title


def generate(*, articles, experts, topics, seed=1, russian_share=RUSSIAN_SHARE, stdout=None):
    """Add a synthetic archive of the given size to the database (`russian_share` of its articles
    in Russian); returns the article count."""
    corpus = Corpus(seed=seed)
    say = stdout.write if stdout else (lambda message: None)

    with transaction.atomic():
        categories = [
            Category.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in CATEGORIES
        ]
        sources = [
            Source.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "disclaimer": f"{name} view."}
            )[0]
            for name in SOURCES
        ]
        topic_rows = _make_topics(corpus, topics)
        expert_rows = _make_experts(corpus, experts, topic_rows)
    say(f"{len(topic_rows)} topics, {len(expert_rows)} experts\n")

    ids = _make_articles(corpus, articles, categories, sources, topic_rows, expert_rows, russian_share, say)
    search.update_planner_statistics()
    return len(ids)


def _make_articles(corpus, articles, categories, sources, topic_rows, expert_rows, russian_share, say):
    """Generate the articles in batches; each batch goes in (rows and search index) in one
    transaction, then is counted (mentions, stored counts, timelines) in transactions of its own.
    On PostgreSQL, outside a transaction, bulk.CONNECTIONS write batches at once while this thread
    draws the next and counts those written: the writers' time is mostly the database's
    to_tsvector, the counting's this process's, so the two overlap on the machine's cores."""
    draw = ArticleDraw(corpus, categories, sources, topic_rows, expert_rows, russian_share)
    first_id = (Article.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
    known_terms, writing, done = set(), deque(), 0
    with (
        search.loading() as added,
        ThreadPoolExecutor(max_workers=bulk.CONNECTIONS if parallel else 1) as writers,
    ):
        for batch_start in range(first_id, first_id + articles, BATCH):
            batch = Batch()
            for pk in range(batch_start, min(batch_start + BATCH, first_id + articles)):
                batch.add(*draw(pk))
            added(len(batch.articles))
            if parallel:
                writing.append((batch, writers.submit(_write_in_own_connection, batch, known_terms)))
                while len(writing) > bulk.CONNECTIONS:  # a bounded backlog: batches are held in memory
                    done += _count(*writing.popleft())
                    say(f"{done} articles\n")
            else:
                batch.write(known_terms)
                done += _count(batch)
                say(f"{done} articles\n")
        while writing:
            done += _count(*writing.popleft())
            say(f"{done} articles\n")
    # The ids were given explicitly: the table's own sequence (PostgreSQL) is moved past them.
    for statement in connection.ops.sequence_reset_sql(no_style(), [Article]):
        with connection.cursor() as cursor:
            cursor.execute(statement)
    return list(range(first_id, first_id + articles))


class ArticleDraw:
    """Draws one article's row, byline and topics: Zipf-distributed experts, skewed topics, dates
    over twenty years, a few drafts and scheduled pieces, a share in Russian."""

    def __init__(self, corpus, categories, sources, topics, experts, russian_share=RUSSIAN_SHARE):
        self.corpus, self.categories, self.sources = corpus, categories, sources
        self.russian_share = russian_share
        self.topics, self.experts = topics, experts
        self.expert_weights = _cumulative([1 / (rank + 1) ** 1.07 for rank in range(len(experts))])
        self.topic_weights = _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(topics))])
        self.start = datetime(2005, 1, 1, tzinfo=UTC)
        self.now = timezone.now()

    def __call__(self, pk):
        rng, corpus, now = self.corpus.rng, self.corpus, self.now
        language = "ru" if rng.random() < self.russian_share else "en"
        title = corpus.title(language)
        roll = rng.random()
        if roll < 0.03:
            status, when = Article.Status.DRAFT, None
        elif roll < 0.05:
            status, when = Article.Status.PUBLISHED, now + timedelta(days=rng.randint(1, 60))
        else:
            status, when = Article.Status.PUBLISHED, self.start + rng.random() * (now - self.start)
        article = {
            "id": pk,
            "title": title,
            "slug": f"{slug_for(title)[:80].strip('-')}-{pk}",
            "language": language,
            "lead": corpus.sentence(language, 15, 40),
            "body": corpus.body(language),
            "status": status,
            "published_at": when,
            "category_id": rng.choice(self.categories).pk,
            "source_id": rng.choice(self.sources).pk if rng.random() < 0.7 else None,
            "created_at": now,
            "updated_at": now,
        }
        count = rng.choices([0, 1, 2, 3], weights=[2, 80, 14, 4])[0]
        authors = rng.choices(self.experts, cum_weights=self.expert_weights, k=count)
        tags = rng.choices(self.topics, cum_weights=self.topic_weights, k=rng.randint(1, 4))
        is_public = when is not None and when <= now
        return article, list(dict.fromkeys(authors)), list(dict.fromkeys(tags)), is_public


class Batch:
    """A batch of generated articles: their rows, bylines, topics and search documents."""

    def __init__(self):
        self.articles, self.authors, self.tags, self.documents = [], [], [], []

    def add(self, article, authors, tags, is_public):
        self.articles.append(article)
        self.authors += [
            {"article_id": article["id"], "expert_id": expert.pk, "position": position}
            for position, expert in enumerate(authors)
        ]
        self.tags += [{"article_id": article["id"], "topic_id": topic.pk} for topic in tags]
        self.documents.append(
            Document(
                article_id=article["id"],
                title=article["title"],
                lead=article["lead"],
                body=html_to_text(article["body"]),
                authors=", ".join(expert.name for expert in authors),
                topics=", ".join(topic.name for topic in tags),
                is_public=is_public,
                language=article["language"],
                filters=filter_terms(
                    topics=[topic.pk for topic in tags],
                    experts=[expert.pk for expert in authors],
                    category_id=article["category_id"],
                    source_id=article["source_id"],
                    published_at=article["published_at"],
                    language=article["language"],
                    is_public=is_public,
                ),
            )
        )

    def write(self, known_terms):
        with transaction.atomic():
            _insert(Article, self.articles)
            _insert(ArticleAuthor, self.authors)
            _insert(Article.topics.through, self.tags)
            search.index_documents(self.documents, known_terms=known_terms)


def _count(batch, writing=None):
    """Once the batch is written (`writing`, its writer's future, has ended), its mentions, stored
    counts and timelines, each count step a transaction of its own: in one, the count rows' new
    versions would pile up unpruned (seen: over ten minutes for a million articles at once)."""
    if writing is not None:
        writing.result()
    ids = [article["id"] for article in batch.articles]
    content_changed(articles=ids, whole_site=True, index=False)  # indexed by the writer
    return len(ids)


def _write_in_own_connection(batch, known_terms):
    try:
        with search.bulk_writes():
            batch.write(known_terms)
    finally:
        connection.close()  # this thread's own connection


def _insert(model, rows):
    """Rows (dicts of column values; the model's defaults fill the rest) straight into the model's
    table (articles.bulk). No save(), no signal."""
    if not rows:
        return
    defaults = {
        field.attname: field.get_default()
        for field in model._meta.concrete_fields
        if field.attname not in rows[0] and not field.primary_key
    }
    columns = [*defaults, *rows[0]]
    bulk.insert(model, columns, [(*defaults.values(), *row.values()) for row in rows])


def _make_topics(corpus, count):
    rng = corpus.rng
    roots = [(name, Topic.Kind.THEME) for name in THEMES] + [(name, Topic.Kind.REGION) for name in REGIONS]
    rows = []
    for name, kind in roots[:count]:
        rows.append(Topic(name=name, slug=slugify(name), kind=kind))
    Topic.objects.bulk_create(rows, ignore_conflicts=True)
    rows = list(Topic.objects.filter(slug__in=[row.slug for row in rows]))
    children = []
    while len(rows) + len(children) < count:
        parent = rng.choice(rows + children[: len(children) // 2])
        name = f"{corpus.pseudo_name()} {'Policy' if parent.kind == Topic.Kind.THEME else 'Region'}"
        topic = Topic(name=name, slug=f"{slugify(name)}-{len(children)}", kind=parent.kind, parent=parent)
        Topic.objects.bulk_create([topic])  # no signal, so no lineage rebuild per topic: once below
        children.append(topic)
    content_changed(tree=True, whole_site=True)
    return rows + children


def _make_experts(corpus, count, topics):
    rng = corpus.rng
    organisations = [f"{corpus.pseudo_name()} Institute" for _ in range(max(1, count // 15))]
    experts = []
    for number in range(count):
        first, last = corpus.pseudo_name(), corpus.pseudo_name()
        experts.append(
            Expert(
                name=f"{first} {last}",
                last_name=last,
                slug=f"{slugify(first)}-{slugify(last)}-{number}",
                position=rng.choice(POSITIONS),
                organisation=rng.choice(organisations),
                bio=f"<p>{corpus.paragraph()}</p>",
            )
        )
    for expert in experts:
        expert.refresh_search_names()
    experts = Expert.objects.bulk_create(experts, batch_size=BATCH)
    ExpertName.write_for(experts)  # bulk_create sends no signal: the names bodies are searched for
    interests = [
        Expert.topics.through(expert=expert, topic=topic)
        for expert in experts
        for topic in {t.pk: t for t in rng.choices(topics, k=2)}.values()
    ]
    Expert.topics.through.objects.bulk_create(interests, batch_size=BATCH)
    return experts


def _cumulative(weights):
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative
