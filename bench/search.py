"""Search benchmark: p50/p95 server time and SQL queries per search, by database and archive size.

    python bench/search.py [--sizes 10000 100000] [--databases sqlite postgres] [--requests 30]

Each (database, size) runs in its own process against its own bench database (kept in bench/data/
and kb_bench_<size> on PostgreSQL, generated on first use). Writes bench/results/search.json and
the search section of docs/performance.md.
"""

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.report import write_section

# (label, the page's language, parameters): English on /en/search/, Russian on /ru/search/ (the
# corpus writes 30% of its articles with the Russian sample's words).
CASES = [
    ("common word", "en", {"q": "korea"}),
    ("rare word", "en", {"q": "{rare}"}),
    ("phrase", "en", {"q": '"missile defense"'}),
    ("two words, one excluded", "en", {"q": "security -china"}),
    ("misspelled word (did you mean)", "en", {"q": "securty"}),
    ("filtered search", "en", {"q": "korea", "topic": "{broad_topic}", "year": "{year}"}),
    ("Russian: common word, inflected", "ru", {"q": "переговорах"}),
    ("Russian: rare word", "ru", {"q": "{rare_ru}"}),
    ("Russian: phrase", "ru", {"q": '"северной кореи"'}),
    ("Russian: misspelled word (did you mean)", "ru", {"q": "санкцый"}),
    ("Russian: filtered search", "ru", {"q": "санкциям", "topic": "{broad_topic}", "year": "{year}"}),
    ("both languages: mixed query", "ru", {"q": "THAAD Корея", "language": "all"}),
]


def child(url, size, requests):
    common.setup_django()
    generated = common.ensure_corpus(size, **common.corpus_shape(size))
    from urllib.parse import urlencode

    from django.db.models import Count
    from django.http import QueryDict
    from django.test import Client
    from django.utils.translation import override

    from articles.filters import ArticleFilterSet
    from articles.importers.corpus import Corpus
    from articles.models import Article, SearchTerm, Topic

    broad_topic = (
        Topic.objects.filter(kind=Topic.Kind.THEME).annotate(n=Count("articles")).order_by("-n").first().slug
    )
    names = [name.lower() for name in Corpus(seed=1).names[:200]]
    rare = next(name for name in names if SearchTerm.objects.filter(term=name).exists())
    # A rare word of the Russian articles: the least used Russian word of the sample's vocabulary.
    rare_ru = Corpus(seed=1).words["ru"][-1]
    year = Article.objects.published().latest("published_at").published_at.year - 1
    from django.conf import settings

    settings.PAGE_CACHE_SECONDS = 0  # the search itself is measured, not the page cache
    client = Client()
    results = {}
    for label, language, params in CASES:
        values = {"rare": rare, "rare_ru": rare_ru, "broad_topic": broad_topic, "year": year}
        query = {key: value.format(**values) for key, value in params.items()}
        url = f"/{language}/search/?" + urlencode(query)
        with override(language):
            filterset = ArticleFilterSet(QueryDict(urlencode(query)), queryset=Article.objects.published())
            matches = filterset.qs.count()
        results[label] = {"url": url, "matches": matches, **common.measure(client, url, requests=requests)}
    print(json.dumps({"generated_seconds": generated, "cases": results}))


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
            " own language's articles unless `language=all`.",
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
