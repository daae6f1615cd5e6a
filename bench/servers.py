"""Which production server: gunicorn (sync or threaded workers), granian and uvicorn, measured alike.

    python bench/servers.py [--articles 100000] [--seconds 10] [--connections 16] [--workers 4]

Each server runs the project with the production settings against the PostgreSQL bench database
(page cache in Redis when one answers at 127.0.0.1:6379, else in files), and wrk measures on
loopback: a cached page (the home page), the same page rendered (a second server with the page
cache off), and a static file served by whitenoise. Writes bench/results/servers.json and the
"Server choice" section of docs/performance.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import markdown_table
from bench.report import write_section
from bench.server import SERVERS, LoopbackRun

PORT = 8767
PAGE = "/en/"
STATIC = "/static/css/site.css"


def main():
    run = LoopbackRun(__doc__.splitlines()[0])
    rows = {}
    for name in SERVERS:
        print(f"servers benchmark: {name}…", file=sys.stderr, flush=True)
        server = run.server(PORT, server=name)
        try:
            rows[name] = {"cached page": run.load(server, PAGE), "static file": run.load(server, STATIC)}
        finally:
            server.stop()
        server = run.server(PORT, server=name, PAGE_CACHE_SECONDS="0")
        try:
            rows[name]["rendered page"] = run.load(server, PAGE)
        finally:
            server.stop()

    report = run.save("servers", servers=rows)
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
        f"Measured {report['when']} on {report['machine']}. Each server with {run.options.workers}"
        f" worker processes (gthread: half as many, 4 threads each), {run.conditions()}."
        f" Cached and rendered: the home page (`{PAGE}`); static: `{STATIC}` through whitenoise."
        " Errors are non-2xx answers and socket errors."
    )
    write_section("Server choice", "\n".join([intro, "", *table]))
    print("\n".join(table))


if __name__ == "__main__":
    main()
