"""Settings come from the environment, and a bad environment stops start-up with a clear message."""

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
