"""A synthetic archive of realistic shape and size, for benchmarks (`generate_corpus`).

Its words are those of the sample pages, drawn with their natural skew so that common and rare
words behave as in real text, plus invented proper names so that names are rare. Experts' output
follows a Zipf law (a few write thousands of pieces); some topics are very broad. Rows go in with
bulk inserts, bypassing signals, so the topic lineage and the search index are built at the end.
"""

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import search
from articles.derived import content_changed
from articles.models import Article, ArticleAuthor, Category, Source, Topic
from experts.models import Expert

PAGES = Path(__file__).resolve().parent / "demo" / "pages"
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


class Corpus:
    def __init__(self, *, seed):
        self.rng = random.Random(seed)
        counts = Counter(
            word.lower()
            for page in sorted(PAGES.glob("*.txt"))
            for word in re.findall(r"[A-Za-z][A-Za-z'-]+", page.read_text(encoding="utf-8"))
        )
        self.words = [word for word, _ in counts.most_common()]
        self.cum_word_weights = _cumulative([1 / (rank + 1) for rank in range(len(self.words))])
        self.names = sorted({self.pseudo_name() for _ in range(20000)})
        # Paragraphs drawn once and combined per article: drawing every word of a million bodies
        # would be most of the generation's time. Each body still gets words of its own (a sentence
        # with a name), so rare words stay rare.
        self.paragraphs = [self.paragraph() for _ in range(PARAGRAPH_POOL)]

    def pseudo_name(self):
        return "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 3))).capitalize()

    def sentence(self, low=8, high=24):
        words = self.rng.choices(self.words, cum_weights=self.cum_word_weights, k=self.rng.randint(low, high))
        if self.rng.random() < 0.3:  # a proper name now and then: the rare words of real text
            words[self.rng.randrange(len(words))] = self.rng.choice(self.names)
        return " ".join(words).capitalize() + "."

    def paragraph(self):
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def body(self):
        paragraphs = self.rng.choices(self.paragraphs, k=self.rng.randint(3, 9))
        paragraphs[self.rng.randrange(len(paragraphs))] += " " + self.sentence()
        return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)

    def title(self):
        return self.sentence(4, 11).rstrip(".").title()


def generate(*, articles, experts, topics, seed=1, stdout=None):
    """Add a synthetic archive of the given size to the database; returns the article count."""
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

    with search.bulk_writes():
        created = _make_articles(corpus, articles, categories, sources, topic_rows, expert_rows, say)
    search.update_planner_statistics()
    return created


def _make_articles(corpus, articles, categories, sources, topic_rows, expert_rows, say):
    rng = corpus.rng
    expert_weights = _cumulative([1 / (rank + 1) ** 1.07 for rank in range(len(expert_rows))])
    topic_weights = _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(topic_rows))])
    start = datetime(2005, 1, 1, tzinfo=UTC)
    span = (timezone.now() - start).total_seconds()
    created, known_terms = 0, set()
    while created < articles:
        size = min(BATCH, articles - created)
        batch = []
        for number in range(created, created + size):
            title = corpus.title()
            roll = rng.random()
            if roll < 0.03:
                status, when = Article.Status.DRAFT, None
            elif roll < 0.05:
                status, when = Article.Status.PUBLISHED, timezone.now() + timedelta(days=rng.randint(1, 60))
            else:
                status, when = Article.Status.PUBLISHED, start + timedelta(seconds=rng.random() * span)
            batch.append(
                Article(
                    title=title,
                    slug=f"{slugify(title)[:80].strip('-')}-{number}",
                    lead=corpus.sentence(15, 40),
                    body=corpus.body(),
                    status=status,
                    published_at=when,
                    category=rng.choice(categories),
                    source=rng.choice(sources) if rng.random() < 0.7 else None,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(batch)
            authors, tags = [], []
            for article in batch:
                count = rng.choices([0, 1, 2, 3], weights=[2, 80, 14, 4])[0]
                chosen = {id(e): e for e in rng.choices(expert_rows, cum_weights=expert_weights, k=count)}
                authors += [
                    ArticleAuthor(article=article, expert=expert, position=position)
                    for position, expert in enumerate(chosen.values())
                ]
                picked = {
                    t.pk: t for t in rng.choices(topic_rows, cum_weights=topic_weights, k=rng.randint(1, 4))
                }
                tags += [Article.topics.through(article=article, topic=topic) for topic in picked.values()]
            ArticleAuthor.objects.bulk_create(authors)
            Article.topics.through.objects.bulk_create(tags)
            content_changed(articles=[a.pk for a in batch], whole_site=True, known_terms=known_terms)
        created += size
        say(f"{created} articles\n")
    return created


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
    experts = Expert.objects.bulk_create(experts, batch_size=BATCH)
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
