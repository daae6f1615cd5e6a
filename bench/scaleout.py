"""Two app servers, one PostgreSQL, one Redis: they serve the same pages and invalidate each other's.

    python bench/scaleout.py

Makes a fresh PostgreSQL database (kb_scaleout) with the demo content and an editor account, starts
two gunicorn servers on ports 8201 and 8202 sharing it and Redis (127.0.0.1:6379, database 2),
then: a page cached through one is a hit on the other; an editor unpublishing an article in the
admin of B makes A's pages drop it at once; publishing it again through A's admin brings it back
on B. Each step is checked; the log goes to the "Two app servers on this machine" section of
docs/deployment.md. Exits non-zero if any check fails.
"""

import http.cookiejar
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import POSTGRES_SERVER, ROOT, machine
from bench.report import write_section
from bench.server import Server, manage, server_environment

DATABASE = "kb_scaleout"
REDIS = "redis://127.0.0.1:6379/2"
PASSWORD = secrets.token_urlsafe(16)
DOC = ROOT / "docs" / "deployment.md"


class Browser:
    """A reader or an editor: cookies kept, redirects followed, errors returned not raised.

    Every request names the site "localhost", as a load balancer passes on the public host name
    whichever app server it picks (a page's links and cache key depend on it).
    """

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url):
        return self.send(urllib.request.Request(url, headers={"Host": "localhost"}))

    def post(self, url, fields):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.send(urllib.request.Request(url, data=data, headers={"Host": "localhost"}))

    def send(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("X-Page-Cache", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("X-Page-Cache", ""), error.read().decode()

    def log_in(self, base):
        _, _, form = self.get(base + "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        status, _, page = self.post(
            base + "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": "desk", "password": PASSWORD, "next": "/admin/"},
        )
        assert status == 200 and "Log out" in page, "the editor could not log in"

    def action(self, base, action, article_id):
        _, _, listing = self.get(base + "/admin/articles/article/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing).group(1)
        fields = {"csrfmiddlewaretoken": token, "action": action, "_selected_action": article_id, "index": 0}
        status, _, _ = self.post(base + "/admin/articles/article/", fields)
        assert status == 200, f"the {action} action answered {status}"


def fresh_database():
    import psycopg

    admin = POSTGRES_SERVER.replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    url = f"{POSTGRES_SERVER}/{DATABASE}"
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "load_demo", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")
    env = server_environment(url, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    manage(url, "createsuperuser", "--noinput", "--username", "desk", "--email", "desk@example.org", env=env)
    return url


def main():
    url = fresh_database()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection:
        article_id, slug, title = connection.execute(
            "SELECT id, slug, title FROM articles_article WHERE status = 'published' AND language = 'en' "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
    # What every app server of a deployment shares: the database, Redis, the secret key.
    shared = {
        "REDIS_URL": REDIS,
        "CACHE_KEY_PREFIX": f"scaleout-{datetime.now(UTC).timestamp()}",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    a = Server(url, port=8201, workers=2, **shared)
    b = Server(url, port=8202, workers=2, **shared)
    log, failures = [], []

    def check(what, ok):
        log.append(f"- {'✔' if ok else '✘'} {what}")
        print(log[-1], file=sys.stderr)
        if not ok:
            failures.append(what)

    reader, editor = Browser(), Browser()
    page = f"/en/articles/{slug}/"
    try:
        for path in ("/en/", page):
            status, state, _ = reader.get(a.base + path)
            check(f"A renders `{path}` ({status}, {state})", status == 200 and state == "miss")
            status, state, html = reader.get(b.base + path)
            check(
                f"B serves `{path}` from the shared cache ({status}, {state})",
                status == 200 and state == "hit",
            )
        check(f"the home page on B lists “{title}”", title in html or title in reader.get(b.base + "/en/")[2])

        editor.log_in(b.base)
        editor.action(b.base, "unpublish", article_id)
        check(f"an editor unpublishes “{title}” in B's admin", True)
        status, state, html = reader.get(a.base + "/en/")
        check(f"A's home page no longer lists it ({status}, {state})", state == "miss" and title not in html)
        status, _, _ = reader.get(a.base + page)
        check(f"A answers 404 for the article ({status})", status == 404)

        editor.action(a.base, "publish", article_id)
        check("the editor publishes it again in A's admin", True)
        status, state, html = reader.get(b.base + "/en/")
        check(f"B's home page lists it again ({status}, {state})", state == "miss" and title in html)
        status, state, _ = reader.get(b.base + page)
        check(f"B serves the article again ({status}, {state})", status == 200)
        status, state, _ = reader.get(a.base + page)
        check(f"A serves B's fresh render from the shared cache ({status}, {state})", state == "hit")
    finally:
        a.stop()
        b.stop()

    intro = (
        f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on {machine()} by `make scaleout`"
        " (bench/scaleout.py): two gunicorn servers (ports 8201 and 8202, two workers each) on one"
        " PostgreSQL database with the demo content and one Redis; a reader's requests and an"
        " editor's admin actions go to either."
    )
    write_section("Two app servers on this machine", "\n".join([intro, "", *log]), doc=DOC)
    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed")


if __name__ == "__main__":
    main()
