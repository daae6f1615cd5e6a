"""Secure by default: deploy checks, security headers, a strict CSP the admin lives with, and a
503 page when the database is away."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.db import OperationalError

from articles.models import Article
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_checks_with_no_warning():
    # As a deployment would have it: none of the development or test variables.
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="opinions.example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def policy(response):
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/en/", "/en/articles/", "/api/articles/", "/en/feeds/latest/", "/admin/login/"]
)
def test_every_response_carries_the_security_headers_and_a_strict_csp(client, url):
    response = client.get(url)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]


@pytest.mark.django_db
def test_public_pages_have_no_inline_script_or_style_at_all(client):
    ArticleFactory(slug="a", authors=[ExpertFactory(slug="e")], topics=[TopicFactory(slug="t")])
    for url in (
        "/en/",
        "/en/articles/",
        "/en/articles/a/",
        "/en/experts/",
        "/en/experts/e/",
        "/en/topics/",
        "/en/topics/t/",
    ):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert not soup.find("style"), url
        assert not soup.find(style=True), url  # style attributes are inline styles too
        assert not soup.find(lambda tag: any(name.startswith("on") for name in tag.attrs)), url
        for script in soup.find_all("script"):
            assert script.get("type") == "application/ld+json", url  # data, never run


@pytest.mark.django_db
def test_the_admin_runs_only_our_own_files_and_what_carries_the_nonce(admin_client):
    """Under the CSP a script runs if it comes from this site or carries the page's nonce."""
    for url in ("/admin/", "/admin/articles/article/add/", "/admin/experts/expert/add/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        allowed = policy(response)["script-src"]
        soup = BeautifulSoup(response.content, "html.parser")
        scripts = soup.find_all("script")
        assert scripts, url
        for element in [*scripts, *soup.find_all("style")]:
            if element.get("src"):
                same_origin = element["src"].startswith("/") and not element["src"].startswith("//")
                assert same_origin, (url, element["src"])
            else:
                assert f"'nonce-{element.get('nonce')}'" in allowed, (url, str(element)[:80])
        assert not soup.find(style=True), url


@pytest.mark.django_db
def test_a_database_outage_is_a_friendly_503_not_a_traceback(client):
    with mock.patch("articles.views.Article.objects.published", side_effect=OperationalError("gone")):
        response = client.get("/en/articles/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Back in a moment" in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text


@pytest.mark.django_db
def test_a_statement_over_the_time_limit_is_a_friendly_503_that_names_the_page(client, caplog):
    """The guard a crawler of uncached pages meets: PostgreSQL cancels the statement."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")  # undone with the test's transaction
    published = Article.objects.published

    def slow():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return published()

    with mock.patch("articles.views.Article.objects.published", side_effect=slow):
        response = client.get("/en/articles/?topic=anything")

    assert response.status_code == 503
    assert "Back in a moment" in response.text
    assert any("/en/articles/?topic=anything took longer" in record.getMessage() for record in caplog.records)
