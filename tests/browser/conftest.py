"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

`make test` installs what they need (Chromium from Debian's packages where it can, axe-core and the
Nu HTML Checker from the npm registry). Where Chromium is still missing they are skipped with a
loud message; in CI (CI=true) that is a failure instead.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the live server's database work happens
# in its own thread, but fixtures touch the database from here, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def missing(what, how):
    message = f"BROWSER TESTS NOT RUN: {what} is missing ({how})."
    if os.environ.get("CI") == "true":
        pytest.fail(message + " CI needs it.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    keep_serialized_contents()  # before Playwright changes this thread's database connections
    if not Path(CHROMIUM).exists():
        missing("Chromium", "apt-get install chromium, or `make test` as root does it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright", "pip install -r requirements.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server with the demo content; `site.url(path)` is a full address on it."""
    call_command("load_demo", verbosity=0)

    class Site:
        base = live_server.url

        @staticmethod
        def url(path):
            return live_server.url + path

    return Site


@pytest.fixture
def page(browser):
    """A desktop-sized page; the test fails if the browser reports a CSP violation or a script error."""
    keep_serialized_contents()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    keep_serialized_contents()
    assert not problems, problems


_serialized = {}


def keep_serialized_contents():
    """Django's connections are per context, and Playwright's sync API runs this thread in contexts
    of its own: once it has started, the connection objects are new ones, without the contents
    serialized when the test database was made. A transactional test's flush would then not restore
    them (serialized_rollback), and the next test would find no Editors group (it did, once
    tests/browser/test_alerts.py ran before test_editor.py). Seen first in `browser`, given back in
    every `page`."""
    from django.db import connections

    for connection in connections.all():
        if hasattr(connection, "_test_serialized_contents"):
            _serialized.setdefault(connection.alias, connection._test_serialized_contents)
        elif connection.alias in _serialized:
            connection._test_serialized_contents = _serialized[connection.alias]


@pytest.fixture
def axe(browser):
    """Run axe-core on a URL; returns its violations (the page's CSP is bypassed to inject it)."""
    if not AXE.exists():
        missing("axe-core", "npm install, which `make test` runs")
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)

    def check(url, *, cookies=(), exclude=()):
        context.add_cookies(list(cookies))  # e.g. a signed-in editor's session
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        where = {"exclude": [[selector] for selector in exclude]} if exclude else None
        result = page.evaluate("(where) => axe.run(where || document)", where)
        page.close()
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    yield check
    context.close()


def pytest_collection_modifyitems(items):
    """With parallel workers (pytest-xdist's loadgroup), every browser test goes to one worker:
    one Chromium for the run, and the other core free for the rest of the suite."""
    for item in items:
        if "browser" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.xdist_group("browser"))
