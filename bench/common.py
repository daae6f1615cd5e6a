"""Shared by the benchmarks: bench databases, Django set-up in a child process, timing, tables."""

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
# Largest archive measured on SQLite: generating one of a million articles there takes hours.
SQLITE_MAX = int(os.environ.get("BENCH_SQLITE_MAX", "100000"))


def database_url(database, size):
    """Each database kind and archive size gets its own bench database, kept between runs."""
    if database == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"
    name = f"kb_bench_{size}"
    _ensure_postgres_database(name)
    return f"{POSTGRES_SERVER}/{name}"


def _ensure_postgres_database(name):
    import psycopg

    url = POSTGRES_SERVER.replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def child_environment(url):
    """Production-like settings for a benchmark child process."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        # Measured in-process or on loopback over plain HTTP: no redirect to HTTPS.
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
    )
    return env


def run_child(script, url, *args):
    """Run `script` with `args` in a fresh interpreter against `url`; it prints one JSON document."""
    result = subprocess.run(
        [sys.executable, str(script), "--child", url, *map(str, args)],
        cwd=ROOT,
        env=child_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"{script.name} failed against {url.split('/')[-1]}")
    sys.stderr.write(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    # The pages are measured, not static files: no manifest (and no collectstatic) needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def corpus_shape(size):
    """Experts and topics of a generated archive of `size` articles: the same in every benchmark."""
    return {"experts": 5000 if size >= 50_000 else 500, "topics": 300 if size >= 50_000 else 60}


def ensure_corpus(size, *, experts, topics):
    """Migrate and fill the bench database once; later runs reuse it. Returns generation seconds."""
    from django.core.management import call_command

    from articles.models import Article

    call_command("migrate", verbosity=0)
    existing = Article.objects.count()
    if existing == size:
        return None
    if existing:
        raise SystemExit(
            f"The bench database holds {existing} articles, not {size}: remove it and run again."
        )
    started = time.perf_counter()
    call_command("generate_corpus", articles=size, experts=experts, topics=topics, verbosity=0)
    return time.perf_counter() - started


_site_frozen = False  # whether this process has set the loaded site aside from full collections


def measure(client, url, *, requests):
    """Query count of one request, then p50/p95 of the in-process server time over `requests`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.memory import freeze_loaded_objects

    for _ in range(3):  # warm caches: the database's and Python's
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    global _site_frozen
    if not _site_frozen:  # as a gunicorn worker does after its first request
        freeze_loaded_objects()
        _site_frozen = True
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # read now: the log is reset by the next request
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "queries": queries,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "requests": requests,
    }


def measure_write(write, *, repeats):
    """Query count and p50/p95 of `write()`, each time in a transaction rolled back afterwards (the
    archive stays as generated). The commit's own cost is not in it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def once():
        with transaction.atomic():
            write()
            transaction.set_rollback(True)

    once()
    with CaptureQueriesContext(connection) as captured:
        once()
    queries = len(captured)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        once()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "queries": queries,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
    }


def machine():
    import django

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    versions = f"Python {platform.python_version()}, Django {django.get_version()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}; {versions}"


def run_everywhere(script, name, *, databases, sizes, requests):
    """Run `script`'s child on each (database, size), save bench/results/<name>.json, return it."""
    from datetime import UTC, datetime

    runs = []
    for database in databases:
        for size in sizes:
            if database == "sqlite" and size > SQLITE_MAX:
                print(f"{name} benchmark: sqlite skipped at {size} (BENCH_SQLITE_MAX)", file=sys.stderr)
                continue
            print(f"{name} benchmark: {database}, {size} articles…", file=sys.stderr, flush=True)
            outcome = run_child(script, database_url(database, size), size, requests)
            runs.append({"database": database, "articles": size, **outcome})
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def markdown_table(header, rows):
    """A Markdown table: `header` names the columns (a "#" prefix right-aligns one)."""
    names = [column.lstrip("#") for column in header]
    rule = ["---:" if column.startswith("#") else "---" for column in header]
    lines = ["| " + " | ".join(names) + " |", "| " + " | ".join(rule) + " |"]
    return lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows]


def _by_size(runs):
    """The rendered p95 of each page side by side for every archive size: whether a page grows."""
    columns = [(run["database"], run["articles"]) for run in runs]
    labels = list(dict.fromkeys(label for run in runs for label in run["cases"]))
    cell = {
        (run["database"], run["articles"], label): case
        for run in runs
        for label, case in run["cases"].items()
    }
    header = ["page", *(f"#{database} {size:,}: p95 ms" for database, size in columns)]
    rows = [
        [
            label,
            *(
                cell[(database, size, label)]["p95_ms"] if (database, size, label) in cell else ""
                for database, size in columns
            ),
        ]
        for label in labels
    ]
    return ["Rendered p95 (ms) by archive size, page by page:", "", *markdown_table(header, rows)]


def page_benchmark(script, child, *, name, section, describe, sizes, databases, requests):
    """The command line of a benchmark that times pages: run `child` in a child process per
    (database, size), or everywhere and write the table of queries and times to `section`."""
    import argparse

    from bench.report import write_section

    parser = argparse.ArgumentParser(description=f"{name} benchmark (see {Path(script).name}'s docstring)")
    parser.add_argument("--sizes", nargs="+", type=int, default=sizes)
    parser.add_argument("--databases", nargs="+", default=databases)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--child", nargs=3, metavar=("URL", "SIZE", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, size, child_requests = args.child
        return child(url, int(size), int(child_requests))

    report = run_everywhere(script, name, databases=args.databases, sizes=args.sizes, requests=args.requests)
    cached = any("cached" in case for run in report["runs"] for case in run["cases"].values())
    header = ["database", "#articles", "page", "#SQL queries", "#p50 ms", "#p95 ms"]
    if cached:
        header += ["#cached: queries", "#p50 ms", "#p95 ms"]
    table = markdown_table(
        header,
        [
            [run["database"], f"{run['articles']:,}", label, case["queries"], case["p50_ms"], case["p95_ms"]]
            + (
                [case["cached"]["queries"], case["cached"]["p50_ms"], case["cached"]["p95_ms"]]
                if cached
                else []
            )
            for run in report["runs"]
            for label, case in run["cases"].items()
        ],
    )
    intro = f"Measured {report['when']} on {report['machine']}."
    by_size = _by_size(report["runs"])
    writes = [
        [run["database"], f"{run['articles']:,}", label, case["queries"], case["p50_ms"], case["p95_ms"]]
        for run in report["runs"]
        for label, case in run.get("writes", {}).items()
    ]
    if writes:
        header = ["database", "#articles", "editorial write", "#SQL queries", "#p50 ms", "#p95 ms"]
        by_size += [
            "",
            "One editorial write, everything it updates included:",
            "",
            *markdown_table(header, writes),
        ]
    write_section(section, "\n".join([intro, describe(args.requests), "", *table, "", *by_size]))
    print("\n".join([*table, "", *by_size]))
    return None
