"""Search benchmark: p50/p95 server time and SQL queries per search, by database and archive size.

    python bench/search.py [--sizes 10000 100000] [--databases sqlite postgres] [--requests 30]

Each (database, size) runs in its own process against its own bench database (kept in bench/data/
and kb_bench_<size> on PostgreSQL, generated on first use). Writes bench/results/search.json and
the search section of docs/performance.md.
"""

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.report import write_section

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

# Document frequencies the benchmark's words are picked at, measured on the archive (issue 29): a
# word that is in this share of the published articles of the page's language.
FREQUENCIES = {"0.01%": 0.0001, "0.3%": 0.003, "3%": 0.03, "30%": 0.30, "70%": 0.70}

# (label, path, parameters): English on /en/, Russian on /ru/ (the corpus writes 30% of its
# articles with the Russian sample's words). {w…} are the words picked by frequency; the search
# cases then listings and the API combining topic, expert, year or dates without a word.
CASES = [
    *[(f"a word in {share} of articles", "/en/search/", {"q": f"{{w{share}}}"}) for share in FREQUENCIES],
    ("phrase", "/en/search/", {"q": '"missile defense"'}),
    ("30% word, 3% word excluded", "/en/search/", {"q": "{w30%} -{w3%}"}),
    ("0.01% or 0.3% word (OR)", "/en/search/", {"q": "{w0.01%} or {w0.3%}"}),
    ("the busiest expert's last name", "/en/search/", {"q": "{busy_name}"}),
    ("misspelled word (did you mean)", "/en/search/", {"q": "securty"}),
    ("3% word × the busiest expert", "/en/search/", {"q": "{w3%}", "expert": "{busy}"}),
    (
        "3% word × broad topic × year",
        "/en/search/",
        {"q": "{w3%}", "topic": "{broad_topic}", "year": "{year}"},
    ),
    ("Russian: common word, inflected", "/ru/search/", {"q": "переговорах"}),
    ("Russian: a word in 0.3% of articles", "/ru/search/", {"q": "{ru0.3%}"}),
    ("Russian: phrase", "/ru/search/", {"q": '"северной кореи"'}),
    ("Russian: misspelled word (did you mean)", "/ru/search/", {"q": "санкцый"}),
    (
        "Russian: filtered search",
        "/ru/search/",
        {"q": "санкциям", "topic": "{broad_topic}", "year": "{year}"},
    ),
    ("both languages: mixed query", "/ru/search/", {"q": "THAAD Корея", "language": "all"}),
    (
        "listing: broad topic × busiest expert × year",
        "/en/articles/",
        {"topic": "{broad_topic}", "expert": "{busy}", "year": "{year}"},
    ),
    (
        "listing: broad topic × busiest expert",
        "/en/articles/",
        {"topic": "{broad_topic}", "expert": "{busy}"},
    ),
    ("listing: broad topic × year", "/en/articles/", {"topic": "{broad_topic}", "year": "{year}"}),
    ("listing: a broad topic's page × busiest expert", "/en/topics/{broad_topic}/", {"expert": "{busy}"}),
    ("listing: a broad topic's page × a category", "/en/topics/{broad_topic}/", {"category": "interviews"}),
    (
        "listing: the busiest expert since a date",
        "/en/articles/",
        {"expert": "{busy}", "date_from": "{year}-06-01"},
    ),
    (
        "API: broad topic × busiest expert × year",
        "/api/articles/",
        {"topic": "{broad_topic}", "expert": "{busy}", "year": "{year}"},
    ),
]


def words_by_frequency(language, shares, *, sample=2000, candidates=12):
    """For each share, a word of the published articles in `language` found in about that share of
    them: a sample's words (by stem, as search matches them) give the candidates nearest each share,
    and the search's own count of each candidate decides. Returns {share label: (word, share found)}."""
    import math
    import random
    from collections import Counter

    from django.http import QueryDict
    from django.utils.translation import override

    from articles.filters import ArticleFilterSet
    from articles.models import Article
    from articles.search.documents import html_to_text
    from articles.search.stemming import WORD, stem

    published = Article.objects.published().filter(language=language)
    total = published.count()
    ids = list(published.values_list("pk", flat=True).order_by("pk"))
    picked = random.Random(29).sample(ids, min(sample, len(ids)))
    in_docs, spelling = Counter(), {}
    for title, lead, body in published.filter(pk__in=picked).values_list("title", "lead", "body"):
        words = {
            w.lower()
            for w in WORD.findall(f"{title} {lead} {html_to_text(body)}")
            if w.isalpha() and len(w) > 3
        }
        stems = {stem(word): word for word in words}
        in_docs.update(stems.keys())
        spelling.update(stems)

    def found(word):
        with override(language):
            return (
                ArticleFilterSet(
                    QueryDict(f"q={word}"), queryset=Article.objects.published()
                ).unranked_qs.count()  # every match (qs lists a common word's best only)
                / total
            )

    chosen = {}
    for label, share in shares.items():
        nearest = sorted(in_docs, key=lambda s: abs(math.log(in_docs[s] / len(picked)) - math.log(share)))
        measured = [(spelling[s], found(spelling[s])) for s in nearest[:candidates]]
        measured = [(word, f) for word, f in measured if f > 0]  # a stop word matches nothing
        chosen[label] = min(measured, key=lambda item: abs(math.log(item[1]) - math.log(share)))
    return chosen


def child(url, size, requests):
    common.setup_django()
    generated = common.ensure_corpus(size, **common.corpus_shape(size))
    from urllib.parse import urlencode

    from django.conf import settings
    from django.db.models import Count
    from django.http import QueryDict
    from django.test import Client
    from django.utils.translation import override

    from articles.filters import ArticleFilterSet
    from articles.models import Article, ArticleAuthor, Tally, Topic
    from experts.models import Expert

    broad_topic = (
        Topic.objects.filter(kind=Topic.Kind.THEME).annotate(n=Count("articles")).order_by("-n").first().slug
    )
    busiest = ArticleAuthor.objects.values("expert").annotate(n=Count("pk")).order_by("-n").first()["expert"]
    busy = Expert.objects.get(pk=busiest)
    year = Article.objects.published().latest("published_at").published_at.year - 1
    english = words_by_frequency("en", FREQUENCIES)
    russian = words_by_frequency("ru", {"0.3%": 0.003})
    values = {"broad_topic": broad_topic, "busy": busy.slug, "busy_name": busy.last_name, "year": year}
    values.update({f"w{label}": word for label, (word, _) in english.items()})
    values.update({f"ru{label}": word for label, (word, _) in russian.items()})
    found = {**{f"w{k}": v for k, v in english.items()}, **{f"ru{k}": v for k, v in russian.items()}}

    settings.PAGE_CACHE_SECONDS = 0  # the search itself is measured, not the page cache
    client = Client()
    results = {}
    for label, path, params in CASES:
        query = {
            key: PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value) for key, value in params.items()
        }
        path = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), path)
        url = path + "?" + urlencode(query)
        language = "ru" if path.startswith("/ru/") else "en"
        # A topic's page lists its pieces: the filters combine with it (articles.listing).
        topic = re.fullmatch(r"/\w+/topics/([^/]+)/", path)
        within = (Tally.Kind.UNDER_TOPIC, Topic.objects.get(slug=topic[1]).pk) if topic else None
        with override(language):
            filterset = ArticleFilterSet(
                QueryDict(urlencode(query)), queryset=Article.objects.published(), within=within
            )
            matches = filterset.unranked_qs.count()
        results[label] = {"url": url, "matches": matches, **common.measure(client, url, requests=requests)}
    words = {name: {"word": word, "share": share} for name, (word, share) in found.items()}
    print(json.dumps({"generated_seconds": generated, "cases": results, "words": words}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10000, 100000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--child", nargs=3, metavar=("URL", "SIZE", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, size, requests = args.child
        return child(url, int(size), int(requests))

    report = common.run_everywhere(
        Path(__file__), "search", databases=args.databases, sizes=args.sizes, requests=args.requests
    )
    runs = report["runs"]
    table = common.markdown_table(
        ["database", "#articles", "search", "#published matches", "#SQL queries", "#p50 ms", "#p95 ms"],
        [
            [
                run["database"],
                f"{run['articles']:,}",
                f"{label}: `{unquote(case['url'])}`",
                f"{case['matches']:,}",
                case["queries"],
                case["p50_ms"],
                case["p95_ms"],
            ]
            for run in runs
            for label, case in run["cases"].items()
        ],
    )
    words = [
        f"- {run['database']}, {run['articles']:,} articles: "
        + ", ".join(
            f"{name[1:] if name.startswith('w') else 'Russian ' + name[2:]} “{w['word']}” "
            f"(in {w['share']:.3%})"
            for name, w in run.get("words", {}).items()
        )
        for run in runs
    ]
    generation = [
        f"- {run['database']}, {run['articles']:,} articles: generated in {run['generated_seconds']:.0f} s"
        for run in runs
        if run["generated_seconds"]
    ]
    body = "\n".join(
        [
            f"Measured {report['when']} on {report['machine']}.",
            f"In-process server time of `/en/search/` and `/ru/search/` (view, queries, template) over"
            f" {args.requests} requests"
            " after 3 warm-up requests; the query count is of one request. The archive is made by"
            " `generate_corpus` (500 experts and 60 topics under 50k articles, 5,000 and 300 from 50k;"
            " words drawn from the sample pages with"
            " their natural skew, so 'korea' is in most articles; invented names are the rare words;"
            " 30% of the articles in Russian, from the Russian sample's words). Each page lists its"
            " own language's articles unless `language=all`. The words are picked by their measured"
            " document frequency in the page's language (a sample's candidates, then the search's own"
            " count), so each size is asked for words as common or as rare as at the others:",
            "",
            *words,
            "",
            *table,
            "",
            *generation,
        ]
    )
    write_section("Search", body)
    print("\n".join(table))


if __name__ == "__main__":
    main()
