"""What production needs beyond the pages: uploaded files served with the right headers, a first-run
report on an empty database, the database created when missing, one gunicorn control socket each."""

import gc
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from PIL import Image

from tests.factories import ArticleFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def upload(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "experts").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(settings.MEDIA_ROOT / "experts" / "weitz.png")
    (tmp_path / "secret.txt").write_text("not for readers")
    return "/media/experts/weitz.png"


def test_an_uploaded_file_is_served_with_its_type_and_cache_headers(client, upload, settings):
    settings.DEBUG = False
    response = client.get(upload)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]  # never run as a page of this site
    again = client.get(upload, headers={"if-modified-since": response["Last-Modified"]})
    assert again.status_code == 304
    assert client.head(upload).status_code == 200


@pytest.mark.parametrize(
    "address",
    [
        "/media/experts/",
        "/media/experts/nobody.png",
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/" + "a" * 300,  # longer than a file name may be: was a 500 (OSError)
        "/media/experts/" + "b" * 300 + "/x.png",
        "/media/%00.png",
    ],
)
def test_no_listing_and_nothing_outside_the_uploads(client, upload, address):
    assert client.get(address).status_code == 404


def test_uploads_are_read_only(client, upload):
    assert client.post(upload).status_code == 405


def test_an_empty_database_is_reported_with_what_to_do(db):
    output = StringIO()
    call_command("site_status", stdout=output)
    assert "0 published article(s) and 0 editor account(s)" in output.getvalue()
    assert "make demo" in output.getvalue()
    assert "make editor" in output.getvalue()

    ArticleFactory(category=None)
    UserFactory(is_staff=True)
    output = StringIO()
    call_command("site_status", stdout=output)
    assert "1 published article(s) and 1 editor account(s)" in output.getvalue()
    assert "make demo" not in output.getvalue()
    assert "make editor" not in output.getvalue()


def test_a_missing_postgresql_database_is_created(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite creates its file itself")
    settings = connection.settings_dict
    name = f"{settings['NAME']}_created"
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    environment = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
    try:
        for expected in (f"Created the PostgreSQL database '{name}'.", ""):  # then: it is there, nothing said
            result = subprocess.run(
                [sys.executable, "-m", "config.createdb"],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() == expected
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_an_unreachable_database_is_one_line_not_a_traceback():
    environment = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:9/kb"}
    result = subprocess.run(
        [sys.executable, "-m", "config.createdb"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Cannot reach the database in DATABASE_URL:")
    assert len(result.stderr.strip().splitlines()) == 1


def gunicorn_settings(monkeypatch, **variables):
    from gunicorn.config import Config

    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    namespace = {}
    exec((ROOT / "config" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 -- our own file
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_each_gunicorn_has_its_own_control_socket_or_none(monkeypatch):
    """Two servers on one machine shared gunicorn's default socket; stopping one removed the other's."""
    assert gunicorn_settings(monkeypatch).control_socket_disable is True
    own = gunicorn_settings(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/kb/a.ctl")
    assert own.control_socket_disable is False
    assert own.control_socket == "/run/kb/a.ctl"


def test_a_gunicorn_worker_sets_the_loaded_site_aside_from_full_collections_after_its_first_request(
    monkeypatch,
):
    """Each full garbage collection walked every object of the loaded site, about 120,000, and the
    page it fell in waited (config.memory). Once, after the first request has loaded what Django
    loads on first use."""
    hook = gunicorn_settings(monkeypatch).post_request
    before = gc.get_freeze_count()
    try:
        hook(SimpleNamespace(nr=2), None, {}, None)
        assert gc.get_freeze_count() == before
        hook(SimpleNamespace(nr=1), None, {}, None)
        assert gc.get_freeze_count() > before + 10_000  # Django and the apps, loaded for the tests
    finally:
        gc.unfreeze()


def test_pages_are_compressed_and_uploads_are_not(client, upload, settings):
    ArticleFactory(category=None)
    for _ in range(2):  # rendered, then from the page cache
        page = client.get("/en/articles/", headers={"accept-encoding": "gzip, br"})
        assert page["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in page["Vary"]
    picture = client.get(upload, headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in picture
    assert int(picture["Content-Length"]) == (settings.MEDIA_ROOT / "experts" / "weitz.png").stat().st_size


@pytest.mark.parametrize(("proxy_header", "trusted"), [(None, []), ("false", []), ("true", ["127.0.0.1"])])
def test_gunicorn_believes_a_forwarded_scheme_only_when_django_does(monkeypatch, proxy_header, trusted):
    """gunicorn took X-Forwarded-Proto from 127.0.0.1 whatever SECURE_PROXY_SSL_HEADER said, so any
    local client could make the canonical links https. One setting decides, for both."""
    monkeypatch.delenv("SECURE_PROXY_SSL_HEADER", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    variables = {"SECURE_PROXY_SSL_HEADER": proxy_header} if proxy_header else {}

    config = gunicorn_settings(monkeypatch, **variables)

    assert config.forwarded_allow_ips == trusted
    assert bool(config.secure_scheme_headers) == bool(trusted)
