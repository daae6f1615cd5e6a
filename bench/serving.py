"""Throughput under the production server: cached pages, the same pages rendered, and whitenoise
serving a static file of the same size, in one run.

    python bench/serving.py [--articles 100000] [--seconds 10] [--connections 16] [--workers 4]

gunicorn (config/gunicorn.conf.py's settings, production) on loopback against the PostgreSQL bench
database, with the page cache in Redis when one answers at 127.0.0.1:6379 (else each worker's
memory); wrk on the same machine (it takes CPU from the server: the figures are a floor). For each
page: requests/s served from the cache, requests/s rendered (page cache off), and requests/s of
whitenoise serving a file holding the same bytes; the ratio cached / static is issue 7's "at least
half as fast". Writes bench/results/serving.json and the "Serving" section of docs/performance.md.
"""

import argparse
import json
import socket
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, corpus_shape, database_url, machine, markdown_table
from bench.report import write_section
from bench.server import Server, prepare, psql, require_wrk, wrk

PORT = 8766
SAME_SIZE = ROOT / "staticfiles" / "bench"  # served by whitenoise, which lists files at start-up


def pages(url):
    """The main pages: home, the list, a recent article, the busiest expert, the broadest topic, a search."""
    article = psql(
        url,
        "SELECT slug FROM articles_article WHERE status = 'published' AND published_at <= now() "
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
        "home": "/",
        "article list": "/articles/",
        "article": f"/articles/{article}/",
        "expert profile (busiest)": f"/experts/{expert}/",
        "topic page (broadest)": f"/topics/{topic}/",
        "search": "/search/?q=korea",
    }


def redis_url():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/1"


def fetch(base, path):
    with urllib.request.urlopen(base + path, timeout=60) as response:
        return response.read(), response.headers.get("X-Page-Cache", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    require_wrk()

    url = database_url("postgres", options.articles)
    prepare(url, options.articles, **corpus_shape(options.articles))
    paths = pages(url)
    cache = redis_url()
    environment = {"WEB_CONCURRENCY": str(options.workers)}
    if cache:
        environment.update(REDIS_URL=cache, CACHE_KEY_PREFIX=f"bench-{datetime.now(UTC).timestamp()}")

    def load(base, path):
        wrk(base, [path], seconds=2, connections=options.connections)  # warm every worker
        result = wrk(base, [path], seconds=options.seconds, connections=options.connections)
        result.pop("output")
        return result

    # The static twins must exist before whitenoise starts: one server to read the pages, then one
    # to measure with the files in place.
    server = Server(url, port=PORT, workers=options.workers, **environment)
    try:
        bodies = {label: fetch(server.base, path)[0] for label, path in paths.items()}
    finally:
        server.stop()
    SAME_SIZE.mkdir(parents=True, exist_ok=True)
    twins = {}
    for number, (label, body) in enumerate(bodies.items()):
        twin = SAME_SIZE / f"page-{number}.html"
        twin.write_bytes(body)
        twins[label] = f"/static/bench/{twin.name}"

    rows = {}
    server = Server(url, port=PORT, workers=options.workers, **environment)
    try:
        for label, path in paths.items():
            print(f"serving benchmark: {label}…", file=sys.stderr, flush=True)
            fetch(server.base, path)
            cached_state = fetch(server.base, path)[1]
            rows[label] = {
                "path": path,
                "bytes": len(bodies[label]),
                "cache_header": cached_state,
                "cached": load(server.base, path),
                "static": load(server.base, twins[label]),
            }
    finally:
        server.stop()

    server = Server(url, port=PORT, workers=options.workers, PAGE_CACHE_SECONDS="0", **environment)
    try:
        for label, path in paths.items():
            rows[label]["rendered"] = load(server.base, path)
    finally:
        server.stop()

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "articles": options.articles,
        "workers": options.workers,
        "connections": options.connections,
        "seconds": options.seconds,
        "cache": "Redis" if cache else "each worker's memory",
        "pages": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serving.json").write_text(json.dumps(report, indent=2) + "\n")
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
    errors = sum(
        row[kind]["non_2xx_3xx"] + row[kind]["socket_errors"]
        for row in rows.values()
        for kind in ("cached", "rendered", "static")
    )
    intro = (
        f"Measured {report['when']} on {report['machine']}. gunicorn, {options.workers} workers, production"
        f" settings, PostgreSQL with {options.articles:,} articles, page cache in {report['cache']}; wrk"
        f" on the same 2 cores, {options.connections} connections, {options.seconds} s per row after 2 s"
        " of warm-up, one URL at a time. *Cached*: the page from the page cache (an anonymous reader);"
        " *rendered*: the same page with the page cache off; *static*: whitenoise serving a file with"
        " the page's bytes. Issue 7 asks cached / static ≥ 0.5."
        f" Errors (non-2xx or socket) over the whole run: {errors}."
    )
    write_section("Serving", "\n".join([intro, "", *table]))
    print("\n".join(table))


if __name__ == "__main__":
    main()
