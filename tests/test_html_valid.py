"""Every page type is valid HTML by the Nu HTML Checker (vnu-jar from the npm registry, on Java)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.test_pages import PAGE_TYPES
from tests.factories import give_pictures

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
EXTRA_PAGES = {"api-docs": "/api/docs/"}


def test_every_page_type_is_valid_html(client, demo, tmp_path):
    java = shutil.which("java")
    if not (java and VNU.exists()):
        message = "HTML NOT VALIDATED: the Nu HTML Checker needs Java and `npm install` (make test runs it)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    give_pictures("thaad-and-the-limits-of-alliance-reassurance", "richard-weitz")  # srcset, thumbnails
    files = []
    for name, path in {**PAGE_TYPES, **EXTRA_PAGES}.items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files.append(str(target))

    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )

    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0
