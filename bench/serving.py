"""Throughput under the production server: cached pages, the same pages rendered, and whitenoise
serving a static file of the same size, in one run.

    python bench/serving.py [--articles 100000] [--seconds 10] [--connections 16] [--workers 4]

gunicorn (production settings) on loopback against the PostgreSQL bench database, with the page
cache in Redis when one answers at 127.0.0.1:6379 (else in files); wrk on the same machine (it
takes CPU from the server: the figures are a floor). For each page: requests/s served from the
cache, requests/s rendered (page cache off), and requests/s of whitenoise serving a file holding
the same bytes; the ratio cached / static is issue 7's "at least half as fast". Writes
bench/results/serving.json and the "Serving" section of docs/performance.md.
"""

import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, markdown_table
from bench.report import write_section
from bench.server import LoopbackRun, psql

PORT = 8766
SAME_SIZE = ROOT / "staticfiles" / "bench"  # served by whitenoise, which lists files at start-up


def pages(url):
    """The main pages: home, the list, a recent article, the busiest expert, the broadest topic, a search."""
    article = psql(
        url,
        "SELECT slug FROM articles_article WHERE status = 'published' AND published_at <= now() "
        "AND language = 'en' "
        "ORDER BY published_at DESC LIMIT 1",
    )
    expert = psql(
        url,
        "SELECT e.slug FROM experts_expert e JOIN articles_articleauthor a ON a.expert_id = e.id "
        "GROUP BY e.slug ORDER BY count(*) DESC LIMIT 1",
    )
    topic = psql(
        url,
        "SELECT t.slug FROM articles_topic t JOIN articles_article_topics a ON a.topic_id = t.id "
        "GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1",
    )
    return {
        "home": "/en/",
        "article list": "/en/articles/",
        "article": f"/en/articles/{article}/",
        "expert profile (busiest)": f"/en/experts/{expert}/",
        "topic page (broadest)": f"/en/topics/{topic}/",
        "search": "/en/search/?q=korea",
    }


def fetch(base, path):
    with urllib.request.urlopen(base + path, timeout=60) as response:
        return response.read()


def main():
    run = LoopbackRun(__doc__.splitlines()[0])
    paths = pages(run.url)

    # The static twins must exist before whitenoise starts: one server to read the pages, then one
    # to measure with the files in place.
    server = run.server(PORT)
    try:
        bodies = {label: fetch(server.base, path) for label, path in paths.items()}
    finally:
        server.stop()
    SAME_SIZE.mkdir(parents=True, exist_ok=True)
    twins = {}
    for number, (label, body) in enumerate(bodies.items()):
        twin = SAME_SIZE / f"page-{number}.html"
        twin.write_bytes(body)
        twins[label] = f"/static/bench/{twin.name}"

    rows = {}
    server = run.server(PORT)
    try:
        for label, path in paths.items():
            print(f"serving benchmark: {label}…", file=sys.stderr, flush=True)
            rows[label] = {"path": path, "bytes": len(bodies[label]), "cached": run.load(server, path)}
            rows[label]["static"] = run.load(server, twins[label])
    finally:
        server.stop()
    server = run.server(PORT, PAGE_CACHE_SECONDS="0")
    try:
        for label, path in paths.items():
            rows[label]["rendered"] = run.load(server, path)
    finally:
        server.stop()

    report = run.save("serving", pages=rows)
    table = markdown_table(
        [
            "page",
            "#bytes",
            "#cached req/s",
            "#cached p99",
            "#rendered req/s",
            "#static req/s",
            "#cached / static",
        ],
        [
            [
                label,
                f"{row['bytes']:,}",
                f"{row['cached']['requests_per_second']:,.0f}",
                row["cached"]["latency_p99"],
                f"{row['rendered']['requests_per_second']:,.1f}",
                f"{row['static']['requests_per_second']:,.0f}",
                f"{row['cached']['requests_per_second'] / row['static']['requests_per_second']:.2f}",
            ]
            for label, row in rows.items()
        ],
    )
    kinds = ("cached", "rendered", "static")
    errors = sum(
        row[kind]["non_2xx_3xx"] + row[kind]["socket_errors"] for row in rows.values() for kind in kinds
    )
    intro = (
        f"Measured {report['when']} on {report['machine']}. gunicorn, {run.options.workers} workers,"
        f" {run.conditions()}; one URL at a time. *Cached*: the page from the page cache (an anonymous"
        " reader, the page served before); *rendered*: the same page with the page cache off;"
        " *static*: whitenoise serving a file with the page's bytes. Issue 7 asks cached / static"
        f" ≥ 0.5. Errors (non-2xx or socket) over the whole run: {errors}."
    )
    write_section("Serving", "\n".join([intro, "", *table]))
    print("\n".join(table))


if __name__ == "__main__":
    main()
