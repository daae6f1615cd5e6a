"""Which production server: gunicorn (sync or threaded workers), granian and uvicorn, measured alike.

    python bench/servers.py [--articles 100000] [--seconds 10] [--connections 16] [--workers 4]

Each server runs the project with the production settings against the PostgreSQL bench database
(page cache in Redis when one answers at 127.0.0.1:6379, else in files), and wrk measures on
loopback: a cached page (the home page), the same page rendered (a second server with the page
cache off), and a static file served by whitenoise. Writes bench/results/servers.json and the
"Server choice" section of docs/performance.md.
"""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, corpus_shape, database_url, machine, markdown_table
from bench.report import write_section
from bench.server import SERVERS, Server, prepare, require_wrk, wrk
from bench.serving import redis_url

PORT = 8767
PAGE = "/"
STATIC = "/static/css/site.css"


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
    environment = {}
    if cache := redis_url():
        environment.update(REDIS_URL=cache, CACHE_KEY_PREFIX=f"servers-{datetime.now(UTC).timestamp()}")

    def load(server, path):
        wrk(server.base, [path], seconds=2, connections=options.connections)  # warm every worker
        result = wrk(server.base, [path], seconds=options.seconds, connections=options.connections)
        result.pop("output")
        return result

    rows = {}
    for name in SERVERS:
        print(f"servers benchmark: {name}…", file=sys.stderr, flush=True)
        server = Server(url, port=PORT, workers=options.workers, server=name, **environment)
        try:
            rows[name] = {"cached page": load(server, PAGE), "static file": load(server, STATIC)}
        finally:
            server.stop()
        server = Server(
            url, port=PORT, workers=options.workers, server=name, PAGE_CACHE_SECONDS="0", **environment
        )
        try:
            rows[name]["rendered page"] = load(server, PAGE)
        finally:
            server.stop()

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "articles": options.articles,
        "workers": options.workers,
        "connections": options.connections,
        "seconds": options.seconds,
        "cache": "Redis" if cache else "files",
        "servers": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "servers.json").write_text(json.dumps(report, indent=2) + "\n")
    kinds = ("cached page", "rendered page", "static file")
    table = markdown_table(
        ["server", *(f"#{kind} req/s" for kind in kinds), *(f"#{kind} p99" for kind in kinds), "#errors"],
        [
            [
                name,
                *(f"{row[kind]['requests_per_second']:,.0f}" for kind in kinds),
                *(row[kind]["latency_p99"] for kind in kinds),
                sum(row[kind]["non_2xx_3xx"] + row[kind]["socket_errors"] for kind in kinds),
            ]
            for name, row in rows.items()
        ],
    )
    intro = (
        f"Measured {report['when']} on {report['machine']}. Each server with {options.workers} worker"
        f" processes (gthread: half as many, 4 threads each), production settings, PostgreSQL with"
        f" {options.articles:,} articles, page cache in {report['cache']}; wrk on the same 2 cores,"
        f" {options.connections} connections, {options.seconds} s per figure after 2 s of warm-up."
        f" Cached and rendered: the home page (`{PAGE}`); static: `{STATIC}` through whitenoise."
    )
    write_section("Server choice", "\n".join([intro, "", *table]))
    print("\n".join(table))


if __name__ == "__main__":
    main()
