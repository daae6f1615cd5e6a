"""Settings come from the environment, and a bad environment stops start-up with a clear message."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 60


def _load_settings(**variables):
    """Import the settings in a fresh interpreter with exactly these variables (no .env)."""
    env = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    env.update(variables)
    code = (
        "import dotenv; dotenv.load_dotenv = lambda *a, **k: False\n"
        "import config.settings as s\n"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _load_settings(DEBUG="false", SECRET_KEY="short")

    assert result.returncode != 0
    assert "SECRET_KEY must be a long random string" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = _load_settings(SECRET_KEY=GOOD_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False")


def test_an_unparseable_debug_value_names_the_variable():
    result = _load_settings(DEBUG="maybe", SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        (None, "django.db.backends.sqlite3"),
        ("postgres://user@127.0.0.1:5432/kb", "django.db.backends.postgresql"),
    ],
)
def test_the_database_comes_from_database_url(url, engine):
    variables = {"DEBUG": "true"}
    if url:
        variables["DATABASE_URL"] = url
    result = _load_settings(**variables)

    assert result.returncode == 0, result.stderr
    assert engine in result.stdout


def test_a_bad_database_url_names_the_variable():
    result = _load_settings(DEBUG="true", DATABASE_URL="nonsense://what")

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_allowed_hosts_is_a_comma_separated_list():
    result = _load_settings(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="kb.example.org, www.kb.example.org")

    assert result.returncode == 0, result.stderr
    assert "['kb.example.org', 'www.kb.example.org']" in result.stdout


def _setting(expression, **variables):
    """The value of an expression over the settings (`s`) loaded from these variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PLAIN_HTTP", "MEDIA_S3_BUCKET"}
    }
    env.update(variables)
    code = (
        "import dotenv; dotenv.load_dotenv = lambda *a, **k: False\n"
        f"import json, config.settings as s\nprint(json.dumps({expression}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_secret_key_can_come_from_a_file_kept_outside_git(tmp_path):
    (tmp_path / "key").write_text(GOOD_KEY + "\n")

    assert _setting("s.SECRET_KEY", DEBUG="false", SECRET_KEY_FILE=str(tmp_path / "key")) == GOOD_KEY
    result = _load_settings(DEBUG="false", SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE cannot be read" in result.stderr


def test_plain_http_drops_only_the_redirect_to_https():
    production = (
        "(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )

    assert _setting(production, SECRET_KEY=GOOD_KEY) == [True, True, True, 31_536_000]
    assert _setting(production, SECRET_KEY=GOOD_KEY, PLAIN_HTTP="true") == [False, True, True, 31_536_000]


def test_uploads_go_to_an_object_store_when_a_bucket_is_named():
    assert _setting("s.STORAGES['default']['BACKEND']", SECRET_KEY=GOOD_KEY) == (
        "django.core.files.storage.FileSystemStorage"
    )
    s3 = {
        "SECRET_KEY": GOOD_KEY,
        "MEDIA_S3_BUCKET": "kb-media",
        "MEDIA_S3_ENDPOINT_URL": "https://s3.example.org",
    }
    storage = _setting("s.STORAGES['default']", **s3)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "kb-media"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert storage["OPTIONS"]["querystring_auth"] is False
    # Readers' browsers fetch the pictures from the store: the policy allows it, and bodies may show them.
    assert "https://s3.example.org" in _setting("s.SECURE_CSP['img-src']", **s3)
    custom = _setting("s.MEDIA_ORIGINS", **s3, MEDIA_S3_CUSTOM_DOMAIN="media.example.org")
    assert custom == ["https://media.example.org"]


def test_log_lines_are_printed_once():
    """Django's own console handler printed every line a second time through the root's (DEBUG)."""
    assert _setting("s.LOGGING['loggers']['django']", SECRET_KEY=GOOD_KEY, DEBUG="true") == {
        "handlers": [],
        "propagate": True,
    }


def test_a_bad_sort_memory_size_names_the_variable():
    result = _load_settings(
        DEBUG="true", DATABASE_URL="postgres://user@127.0.0.1:5432/kb", DATABASE_WORK_MEM="32MB -c fsync=off"
    )

    assert result.returncode != 0
    assert "DATABASE_WORK_MEM must be a size" in result.stderr


@pytest.mark.django_db
def test_postgresql_sessions_sort_a_common_words_matches_in_memory():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("work_mem is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"  # the server's default is 4MB
