"""The production server as `make serve` runs it (gunicorn, DEBUG off, plain HTTP on loopback): an
editor uploads a portrait in the admin and readers see it, served by the app with its cache headers.

The server is a separate process with a database of its own, named after this test's database on
PostgreSQL, or a file in the test's folder on SQLite.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # as every browser test: see keep_serialized_contents

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-editor-pass-word"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_server(own_database, tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "DEBUG": "false",
        "PLAIN_HTTP": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": own_database,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DJANGO_SUPERUSER_USERNAME": "chief",
        "DJANGO_SUPERUSER_EMAIL": "chief@example.org",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # the server's own, from manage.py and wsgi.py

    def manage(*arguments):
        subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, check=True)

    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("load_demo", "-v0")
    manage("createsuperuser", "--noinput")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the production server did not start:\n{server.stdout.read()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def portrait_png(path):
    Image.new("RGB", (200, 200), (40, 90, 140)).save(path, format="PNG")
    return path


def test_a_portrait_uploaded_in_the_admin_is_served_by_the_production_server(
    production_server, page, tmp_path
):
    page.goto(production_server + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(production_server + "/admin/")  # the Secure session cookie was kept

    page.goto(production_server + "/admin/experts/expert/?q=Weitz")
    page.get_by_role("link", name="Richard Weitz").first.click()
    page.set_input_files("#id_photo", str(portrait_png(tmp_path / "weitz.png")))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    reader = page.context.browser.new_context()
    profile = reader.new_page()
    profile.goto(production_server + "/en/experts/richard-weitz/")
    portrait = profile.locator("img.portrait").first
    expect(portrait).to_be_visible()
    assert portrait.evaluate("image => image.complete && image.naturalWidth") == 200
    address = portrait.get_attribute("src")
    assert address.startswith("/media/experts/")

    response = profile.request.get(production_server + address)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert "max-age=86400" in response.headers["cache-control"]
    assert "sandbox" in response.headers["content-security-policy"]
    assert profile.request.get(production_server + "/media/experts/").status == 404  # no listings
    stylesheet = profile.locator("link[rel=stylesheet]").first.get_attribute("href")
    for accepted, encoding in (("br, gzip", "br"), ("gzip", "gzip")):  # compressed once, at collectstatic
        style = profile.request.get(production_server + stylesheet, headers={"accept-encoding": accepted})
        assert style.headers["content-encoding"] == encoding and "immutable" in style.headers["cache-control"]
    assert profile.request.get(production_server + "/media/../manage.py").status == 404
    reader.close()
