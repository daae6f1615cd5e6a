"""The production server for the benchmarks that need one: gunicorn on loopback, and wrk against it."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.common import DATA, RESULTS, ROOT, child_environment, corpus_shape, database_url, machine

VENV_BIN = Path(sys.executable).parent


def server_environment(url, **extra):
    env = child_environment(url)
    # Plain HTTP on loopback: no TLS redirect or secure-only cookies for this run.
    env.update(SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0", **extra)
    return env


def manage(url, *args, check=True, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or server_environment(url),
        check=check,
        **kwargs,
    )


def prepare(url, articles, *, experts, topics):
    """Migrate, generate the archive if the database is empty, and collect the static files."""
    manage(url, "migrate", "--noinput", stdout=subprocess.DEVNULL)
    count = int(psql(url, "SELECT count(*) FROM articles_article"))
    if count == 0:
        print(f"Generating {articles:,} articles…", file=sys.stderr)
        manage(
            url,
            "generate_corpus",
            "--articles",
            str(articles),
            "--experts",
            str(experts),
            "--topics",
            str(topics),
        )
    manage(url, "collectstatic", "--noinput", stdout=subprocess.DEVNULL)


def psql(url, sql):
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        return connection.execute(sql).fetchone()[0]


# The production servers compared by bench/servers.py; the first is the one the project uses.
SERVERS = {
    "gunicorn (sync workers)": lambda port, workers: [
        "gunicorn", "config.wsgi", f"--workers={workers}", f"--bind=127.0.0.1:{port}", "--timeout=30",
        "--log-level=warning",
    ],
    "gunicorn (gthread, 4 threads)": lambda port, workers: [
        "gunicorn", "config.wsgi", f"--workers={max(1, workers // 2)}", "--worker-class=gthread",
        "--threads=4", f"--bind=127.0.0.1:{port}", "--log-level=warning",
    ],
    "granian (WSGI)": lambda port, workers: [
        "granian", "--interface=wsgi", f"--workers={workers}", "--host=127.0.0.1", f"--port={port}",
        "--log-level=warning", "config.wsgi:application",
    ],
    "uvicorn (ASGI)": lambda port, workers: [
        "uvicorn", f"--workers={workers}", "--host=127.0.0.1", f"--port={port}", "--log-level=warning",
        "config.asgi:application",
    ],
}  # fmt: skip


class Server:
    """A production server (gunicorn unless told) with the production settings, as deployed."""

    def __init__(self, url, *, port, workers=4, server="gunicorn (sync workers)", **environment):
        self.base = f"http://127.0.0.1:{port}"
        program, *arguments = SERVERS[server](port, workers)
        self.process = subprocess.Popen(
            [str(VENV_BIN / program), *arguments],
            cwd=ROOT,
            env=server_environment(url, **environment),
            start_new_session=True,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/robots.txt", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def memory_mb(self):
        """Resident memory of the master and its workers."""
        pids = [self.process.pid, *children(self.process.pid)]
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return round(total / 1024, 1)

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def children(pid):
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wrk(base, paths, *, seconds, connections, threads=2):
    """wrk cycling through `paths` on `base`; requests/s, latency percentiles and errors."""
    script = DATA / "paths.lua"
    DATA.mkdir(parents=True, exist_ok=True)
    quoted = ", ".join(json.dumps(path) for path in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    result = subprocess.run(
        # A reader's browser waits longer than wrk's default 2 s: a slower answer is slow, not an error.
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout

    def number(pattern, default=0.0):
        match = re.search(pattern, out)
        return float(match.group(1)) if match else default

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "latency_p50": re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1),
        "latency_p99": re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1),
        "output": out,
    }


def require_wrk():
    if subprocess.run(["which", "wrk"], capture_output=True).returncode:
        raise SystemExit("wrk is needed: apt-get install wrk")


class LoopbackRun:
    """What the loopback benchmarks (serving.py, servers.py) share: their options, the archive,
    the cache the servers use, wrk's warm-up and the JSON report."""

    def __init__(self, description):
        import argparse

        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--seconds", type=int, default=10)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--workers", type=int, default=4)
        self.options = parser.parse_args()
        require_wrk()
        self.url = database_url("postgres", self.options.articles)
        prepare(self.url, self.options.articles, **corpus_shape(self.options.articles))
        # The servers share Redis when one answers, as a deployment of several would; else files.
        self.environment = {"WEB_CONCURRENCY": str(self.options.workers)}
        self.cache = "files"
        if redis_reachable():
            self.cache = "Redis"
            prefix = f"bench-{datetime.now(UTC).timestamp()}"
            self.environment.update(REDIS_URL="redis://127.0.0.1:6379/1", CACHE_KEY_PREFIX=prefix)

    def server(self, port, **settings):
        return Server(self.url, port=port, workers=self.options.workers, **self.environment, **settings)

    def load(self, server, path):
        """wrk on one path for the run's seconds, after 2 s that warm every worker."""
        wrk(server.base, [path], seconds=2, connections=self.options.connections)
        result = wrk(server.base, [path], seconds=self.options.seconds, connections=self.options.connections)
        result.pop("output")
        return result

    def save(self, name, **results):
        """bench/results/<name>.json with the run's conditions; returns the report."""
        report = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            **{key: getattr(self.options, key) for key in ("articles", "workers", "connections", "seconds")},
            "cache": self.cache,
            **results,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        return report

    def conditions(self):
        """The run's conditions, for the text above its table."""
        options = self.options
        return (
            f"production settings, PostgreSQL with {options.articles:,} articles, page cache in"
            f" {self.cache}; wrk on the same 2 cores, {options.connections} connections,"
            f" {options.seconds} s per figure after 2 s of warm-up"
        )


def redis_reachable():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True
