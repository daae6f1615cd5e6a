"""Load and faults under the production server: 60 s of load, a database outage, a killed import.

    .venv/bin/python bench/reliability.py [--articles 10000] [--seconds 60] [--connections 64]

Needs PostgreSQL (it is stopped and started again: run it on a machine of your own, not beside a
test run), `wrk` (apt-get install wrk) and gunicorn (requirements.txt). Figures go to
docs/reliability.md and bench/results/reliability.json.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA, POSTGRES_SERVER, RESULTS, ROOT, child_environment, corpus_shape, database_url
from bench.server import Server, manage, prepare, require_wrk, server_environment, wrk

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
DOC = ROOT / "docs" / "reliability.md"


def sample_paths(url):
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection:
        article = connection.execute(
            "SELECT slug FROM articles_article WHERE status = 'published' AND published_at <= now() "
            "AND language = 'en' "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchone()[0]
        expert = connection.execute("SELECT slug FROM experts_expert ORDER BY id LIMIT 1").fetchone()[0]
        topic = connection.execute("SELECT slug FROM articles_topic ORDER BY id LIMIT 1").fetchone()[0]
    return [
        "/en/",
        "/en/articles/",
        f"/en/articles/{article}/",
        f"/en/experts/{expert}/",
        f"/en/topics/{topic}/",
        "/en/articles/?page=5",
        "/en/search/?q=security",
        "/api/articles/",
        "/en/feeds/latest/",
        "/static/css/site.css",
    ]


def load_test(server, paths, *, seconds, connections):
    memory = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            memory.append(server.memory_mb())
            done.wait(2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = wrk(server.base, paths, seconds=seconds, connections=connections)
    finally:
        done.set()
        sampler.join()
    tail = memory[len(memory) // 2 :] or memory
    result.update(memory_start_mb=memory[0], memory_end_mb=memory[-1], memory_max_mb=max(memory))
    result["memory_second_half_growth_mb"] = round(tail[-1] - tail[0], 1)
    return result


def cluster(action):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
    )


def outage_test(paths, *, outage_seconds=10):
    """Probe /articles/ four times a second while PostgreSQL is stopped, then started again."""
    probes = []
    stop_probing = threading.Event()

    def probe():
        # In turn: a page the page cache holds, and one it cannot (a new address each time).
        number = 0
        while not stop_probing.is_set():
            number += 1
            kind = "cached" if number % 2 else "uncached"
            path = "/en/articles/" if kind == "cached" else f"/en/articles/?probe={number}"
            started = time.perf_counter()
            try:
                response = urllib.request.urlopen(BASE + path, timeout=15)
                status, body = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            except OSError as error:
                status, body = f"error: {error}", b""
            probes.append((time.perf_counter(), status, time.perf_counter() - started, body, kind))
            stop_probing.wait(0.125)

    background = subprocess.Popen(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{outage_seconds * 3}s",
            "--timeout",
            "10s",
            "-s",
            str(DATA / "paths.lua"),
            BASE,
        ],
        stdout=subprocess.DEVNULL,
    )
    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(outage_seconds)
    stopped = time.perf_counter()
    try:
        cluster("stop")
        time.sleep(outage_seconds)
    finally:
        restarting = time.perf_counter()  # the server accepts connections before `start` returns
        cluster("start")
    restarted = time.perf_counter()
    time.sleep(outage_seconds)
    stop_probing.set()
    prober.join()
    background.wait()

    during = [p for p in probes if stopped + 1 < p[0] < restarting]
    after = [p for p in probes if p[0] > restarted and p[1] == 200 and p[4] == "uncached"]
    statuses = {"cached": {}, "uncached": {}}
    for _, status, _, _, kind in during:
        statuses[kind][str(status)] = statuses[kind].get(str(status), 0) + 1
    friendly = all(
        b"Back in a moment" in body and b"Traceback" not in body for _, s, _, body, _ in during if s == 503
    )
    return {
        "outage_seconds": outage_seconds,
        "probes_during_outage": len(during),
        "statuses_during_outage": statuses,
        "slowest_answer_during_outage_s": round(max((p[2] for p in during), default=0), 2),
        "friendly_503_page": friendly,
        "recovered_after_s": round(after[0][0] - restarted, 2) if after else None,
        "statuses_after_recovery": sorted(
            {str(p[1]) for p in probes if p[0] > (after[0][0] if after else 1e18)}
        ),
    }


def killed_import_test(url, *, kill_after):
    """Kill import_kb midway (SIGKILL), then check that no article was half written."""
    archive = DATA / "reliability.jsonl"
    manage(url, "export_kb", "--output", str(archive))
    items = [json.loads(line) for line in archive.read_text().splitlines()]
    articles = {item["slug"]: item for item in items if item["type"] == "article"}

    target = "kb_reliability_import"
    import psycopg

    admin = POSTGRES_SERVER.replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target}"')
        connection.execute(f'CREATE DATABASE "{target}"')
    target_url = f"{POSTGRES_SERVER}/{target}"
    manage(target_url, "migrate", "--noinput", stdout=subprocess.DEVNULL)
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_kb", str(archive)],
        cwd=ROOT,
        env=server_environment(target_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(kill_after)
    importer.send_signal(signal.SIGKILL)
    importer.wait()

    with psycopg.connect(target_url.replace("postgres://", "postgresql://", 1)) as connection:
        rows = connection.execute(
            """
            SELECT a.slug, a.title, a.body,
                   coalesce((SELECT array_agg(e.slug ORDER BY aa.position) FROM articles_articleauthor aa
                             JOIN experts_expert e ON e.id = aa.expert_id WHERE aa.article_id = a.id), '{}'),
                   coalesce((SELECT array_agg(t.slug ORDER BY t.slug) FROM articles_article_topics at
                             JOIN articles_topic t ON t.id = at.topic_id WHERE at.article_id = a.id), '{}'),
                   EXISTS (SELECT 1 FROM articles_articlesearch s WHERE s.article_id = a.id)
            FROM articles_article a
            """
        ).fetchall()
    half_written = [
        slug
        for slug, title, body, authors, topics, indexed in rows
        if slug not in articles
        or title != articles[slug]["title"]
        or body != articles[slug].get("body", "")
        or list(authors) != articles[slug].get("authors", [])
        or sorted(topics) != sorted(articles[slug].get("topics", []))
        or not indexed
    ]
    # Run again to completion: the import is idempotent, so the archive comes back whole.
    manage(target_url, "import_kb", str(archive), stdout=subprocess.DEVNULL)
    again = DATA / "reliability-again.jsonl"
    manage(target_url, "export_kb", "--output", str(again))
    return {
        "articles_in_file": len(articles),
        "killed_after_s": kill_after,
        "articles_present_after_kill": len(rows),
        "half_written_articles": len(half_written),
        "rerun_restores_identical_export": again.read_bytes() == archive.read_bytes(),
    }


def write_report(results):
    load, outage, killed = results["load"], results["outage"], results["killed_import"]
    cores = os.cpu_count() or 1
    cpu_ms = 1000 * cores / max(load["requests_per_second"], 1)
    load_row = (
        f"| {load['requests']:,} | {load['requests_per_second']:,.0f} | {load['non_2xx_3xx']} "
        f"| {load['socket_errors']} | {load['latency_p50']} | {load['latency_p99']} |"
    )
    DOC.write_text(
        f"""# Reliability

Measured {results["when"]} on {results["machine"]} by `bench/reliability.py` (not a test: it stops
PostgreSQL). Server: gunicorn, {results["workers"]} sync workers, production settings (DEBUG off),
PostgreSQL, {results["articles"]:,} generated articles.

## Load: {load["connections"]} connections for {load["seconds"]} s (wrk, loopback, 10 s timeout)

Paths in rotation: {", ".join(f"`{p}`" for p in results["paths"])}.

| requests | requests/s | non-2xx/3xx | socket errors | latency p50 | latency p99 |
| ---: | ---: | ---: | ---: | ---: | ---: |
{load_row}

Non-2xx answers and socket errors are counted above. At {load["requests_per_second"]:,.0f} requests/s
on {cores} cores a request costs about {cpu_ms:,.1f} ms of CPU on average (wrk shares the cores):
the pages come from the page cache once rendered (files shared by the workers), the API is
rendered every time; a rendered page costs 10–150 ms at this size.

Memory of gunicorn (master and workers, RSS): {load["memory_start_mb"]} MB at the start,
{load["memory_end_mb"]} MB at the end, at most {load["memory_max_mb"]} MB; growth over the second
half of the run: {load["memory_second_half_growth_mb"]} MB.

## PostgreSQL stopped under load

With light load running, PostgreSQL was stopped for {outage["outage_seconds"]} s, then started again,
while two pages were probed, in turn, eight times a second: `/articles/`, which the page cache
holds, and `/articles/?probe=N`, a new address each time, which it cannot.

- answers while the database was down, from the cached page: {outage["statuses_during_outage"]["cached"]};
  from the page the cache could not hold: {outage["statuses_during_outage"]["uncached"]}
  ({outage["probes_during_outage"]} probes)
- the 503 page is the friendly one, with no traceback: {"yes" if outage["friendly_503_page"] else "NO"}
- slowest answer while down: {outage["slowest_answer_during_outage_s"]} s
- first 200 of a page not in the cache after the restart: {outage["recovered_after_s"]} s later;
  answers since then: {outage["statuses_after_recovery"]}

## An import killed midway

`import_kb` of the {killed["articles_in_file"]:,}-article archive into an empty database, killed with
SIGKILL after {killed["killed_after_s"]} s: {killed["articles_present_after_kill"]:,} articles were
written, of which **{killed["half_written_articles"]} half written** (an article counts as whole
when its title, body, authors in order, topics and search index entry all match the file). Each
batch of articles with their authors, topics and index entries is one transaction. Related
links are lines of their own after all the articles, so a killed import may lack some; running
the import again completes them (it is idempotent): export after the rerun is byte-identical to
the archive: {"yes" if killed["rerun_restores_identical_export"] else "NO"}.

## Backups

See [backups.md](backups.md).
""",
        encoding="utf-8",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kill-after", type=float, default=8.0)
    options = parser.parse_args()
    require_wrk()

    from bench.common import machine, setup_django

    url = database_url("postgres", options.articles)
    prepare(url, options.articles, **corpus_shape(options.articles))
    paths = sample_paths(url)
    server = Server(url, port=PORT, workers=options.workers)
    try:
        load = load_test(server, paths, seconds=options.seconds, connections=options.connections)
        load.update(seconds=options.seconds, connections=options.connections)
        print(load.pop("output"), file=sys.stderr)
        outage = outage_test(paths)
    finally:
        server.stop()
    killed = killed_import_test(url, kill_after=options.kill_after)
    os.environ.setdefault("DATABASE_URL", url)
    os.environ.update(child_environment(url))
    setup_django()
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "workers": options.workers,
        "articles": options.articles,
        "paths": paths,
        "load": load,
        "outage": outage,
        "killed_import": killed,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reliability.json").write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
