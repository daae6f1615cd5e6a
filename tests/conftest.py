import pytest
from django.core.management import call_command

from config.messages import compile_messages


def pytest_configure(config):
    """The interface's translations, compiled as `make test` does, for a suite run without make."""
    compile_messages()


def pytest_collection_modifyitems(items):
    """Every test on committed rows restores the rows the migrations made (serialized_rollback).
    The flush after one that does not leaves no Editors group for the tests after it, and makes the
    content types again under new ids, on which the next test that restores them fails."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploaded files land in a throwaway folder; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language. Django's LocaleMiddleware activates a
    request's language in the thread and leaves it there: after a test that read a /ru/ page, the
    next test's reverse() and get_absolute_url() would build /ru/ addresses."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def demo(db):
    """The shipped demo content (the two sample pages and a few demo pieces)."""
    call_command("load_demo", verbosity=0)


@pytest.fixture
def member_of(db):
    """Make a member of staff in an editorial group: member_of("Editors", username="chief")."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    def make(group, **fields):
        user = UserFactory(is_staff=True, **fields)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def editor(member_of):
    return member_of("Editors", username="chief")


@pytest.fixture
def contributor(member_of):
    return member_of("Contributors", username="writer")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def seen():
    """What an article's change form remembers of the version it shows: seen(client, article)."""
    import re

    def read(client, article):
        html = client.get(f"/admin/articles/article/{article.pk}/change/").text
        return re.search(r'name="seen_updated_at" value="([^"]+)"', html).group(1)

    return read


@pytest.fixture
def article_form():
    """What the admin's article form posts, with empty author, related-link and review inlines:
    article_form(title="...", status="published", published_at_0="2020-01-01", published_at_1="10:00")."""

    def form(**fields):
        data = {
            "title": "A new commentary",
            "slug": "a-new-commentary",
            "lead": "A lead.",
            "body": "<p>Body.</p>",
            "status": "draft",
            "published_at_0": "",
            "published_at_1": "",
            "image_alt": "",
            "image_caption": "",
            "image_credit": "",
            "original_url": "",
        }
        for prefix in ("article_authors", "related_links", "mentions", "review_steps"):
            data.update(
                {
                    f"{prefix}-TOTAL_FORMS": "0",
                    f"{prefix}-INITIAL_FORMS": "0",
                    f"{prefix}-MIN_NUM_FORMS": "0",
                    f"{prefix}-MAX_NUM_FORMS": "1000",
                }
            )
        data.update(fields)
        return data

    return form


@pytest.fixture
def count_queries(client, settings):
    """Fetch a URL (expecting 200) and return how many SQL queries rendering it took.

    The page cache is off: these are the queries of a render (a cached page takes none).
    """
    settings.PAGE_CACHE_SECONDS = 0
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.search import postgres

    if connection.vendor == "postgresql":
        postgres.ranks_on_index()  # asked once a process, not in the first page counted

    def fetch(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(queries)

    return fetch


@pytest.fixture(autouse=True)
def _empty_page_cache(settings):
    """Each test starts with no cached pages (a cache outlives a test's rolled-back data), in this
    process's memory: the tests are one process, and the cache files may be a running site's."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def run_tasks(monkeypatch):
    """Run the task worker over the tasks ready now, as `manage.py run_worker --batch` does. In the
    test's transaction: the worker's close_old_connections() would close it on PostgreSQL (the test
    client keeps its requests from doing the same), and the worker's signal handlers are put back."""
    import io
    import signal

    from django.core.management import call_command

    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run():
        handlers = {
            number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        }
        try:
            call_command("run_worker", batch=True, worker_id="tests", verbosity=0, stderr=io.StringIO())
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)

    return run


@pytest.fixture
def own_database(tmp_path):
    """The URL of a database of its own for a process the test starts (a server, a worker): named
    after this test's database on PostgreSQL (and dropped afterwards), a file in the test's folder
    on SQLite. Empty: the process migrates it."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"
        return
    name = f"{settings['NAME']}_own"
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432}
    server["user"] = settings["USER"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Inbox:
    """What the `smtp` fixture's server received, as email.message.EmailMessage objects."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address):
        return [message for message in self.messages if message["To"] == address]


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def one_sender(settings):
    """The alerts' sending threads have database connections of their own, which would not see a
    test's uncommitted rows: one sender, in the test's thread (test_alerts tests several)."""
    settings.ALERTS_SENDERS = 1


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on a free port, which the site's email goes to; `smtp.server`
    stops, `smtp.restart()` starts it again on the same port."""
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    inbox.server = server
    inbox.restart = lambda: _restart(inbox, port)
    yield inbox
    inbox.server.stop()


def _restart(inbox, port):
    from aiosmtpd.controller import Controller

    inbox.server = Controller(inbox, hostname="127.0.0.1", port=port)
    inbox.server.start()
