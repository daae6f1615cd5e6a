"""JSON Lines benchmark: export_kb of a generated archive, then import_kb into an empty database.

    python bench/import_kb.py [--size 100000] [--databases sqlite postgres]

The archive is the search benchmark's (bench/data/bench-<size>.sqlite3, generated if missing);
its export is kept in bench/data/kb-<size>.jsonl. Each import goes into a fresh, migrated database.
Writes bench/results/import_kb.json and the "Import and export" section of docs/performance.md.
"""

import argparse
import io
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.report import write_section


def child(url, mode, path, size):
    common.setup_django()
    from django.core.management import call_command

    from articles.models import Article

    if mode == "export":
        common.ensure_corpus(int(size), **common.corpus_shape(int(size)))
        started = time.perf_counter()
        call_command("export_kb", output=path)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "articles": Article.objects.count()}))
    else:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("import_kb", path, stdout=io.StringIO())
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "articles": Article.objects.count()}))


def fresh_database_url(database):
    if database == "sqlite":
        target = common.DATA / "import-target.sqlite3"
        target.unlink(missing_ok=True)
        return f"sqlite:///{target}"
    import psycopg

    url = common.POSTGRES_SERVER.replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "kb_bench_import"')
        connection.execute('CREATE DATABASE "kb_bench_import"')
    return f"{common.POSTGRES_SERVER}/kb_bench_import"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    dump = common.DATA / f"kb-{args.size}.jsonl"
    source = common.database_url("sqlite", args.size)
    print(f"export_kb of {args.size} articles…", file=sys.stderr, flush=True)
    exported = common.run_child(Path(__file__), source, "export", dump, args.size)
    runs = [{"step": "export_kb (SQLite)", **exported}]
    for database in args.databases:
        print(f"import_kb into an empty {database} database…", file=sys.stderr, flush=True)
        outcome = common.run_child(Path(__file__), fresh_database_url(database), "import", dump, args.size)
        runs.append({"step": f"import_kb ({database})", **outcome})
    for run in runs:
        run["articles_per_second"] = round(run["articles"] / run["seconds"])
    when = datetime.now(UTC).isoformat(timespec="seconds")
    report = {"when": when, "machine": common.machine(), "runs": runs}
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    (common.RESULTS / "import_kb.json").write_text(json.dumps(report, indent=2) + "\n")
    size_mb = os.path.getsize(dump) / 1024 / 1024
    table = ["| step | articles | seconds | articles/s |", "| --- | ---: | ---: | ---: |"]
    table += [
        f"| {run['step']} | {run['articles']:,} | {run['seconds']:.1f} | {run['articles_per_second']:,} |"
        for run in runs
    ]
    body = "\n".join(
        [
            f"Measured {report['when']} on {report['machine']}.",
            f"The file: {size_mb:.0f} MB of JSON Lines for {args.size:,} articles with their experts,"
            " topics and links. Import time includes the full-text indexing, the vocabulary and ANALYZE;"
            " each import goes into an empty, migrated database.",
            "",
            *table,
        ]
    )
    write_section("Import and export", body)
    print("\n".join(table))


if __name__ == "__main__":
    main()
