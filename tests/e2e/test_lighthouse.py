"""Lighthouse (mobile profile, Debian's chromium) scores the home page, an article, an interview
and a campaign page at 0.95 or more in performance, accessibility, best practices and SEO.

Lighthouse comes from npm, pinned by tests/e2e/package-lock.json (`npm ci --prefix tests/e2e`);
each page takes about 10 s here. Its reports are kept in test-results/e2e/test_lighthouse/."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import pytest
from PIL import Image as PILImage

from cms.articles.images import store_image
from cms.extensions import db
from tests.e2e.conftest import CHROMIUM, RESULTS, ROOT, LiveServer, _missing

pytestmark = pytest.mark.e2e

LIGHTHOUSE = ROOT / "tests" / "e2e" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LOWEST = 0.95
BODY = """Readers in three countries lost the site on the same day.[^1] This is how it came back.

## What changed

Mirrors, an onion service and copies on USB sticks kept the archive in readers' hands.

[^1]: Reported by the press council.
"""
TRANSCRIPT = """An introduction to the conversation about blocking.

Anna Ivanova (AI): How did the blocking start?

Олег Петров (ОП): With one news site, then the VPN providers.

AI: And now?

ОП: Readers use the mirrors.
"""


@pytest.fixture(scope="module")
def pages(live_server: LiveServer) -> dict[str, str]:
    picture = io.BytesIO()
    PILImage.new("RGB", (1800, 1100), (30, 80, 140)).save(picture, format="JPEG")
    picture.seek(0)
    with live_server.app.app_context():
        image = store_image(picture, alt_text="A newsroom at night")
        db.session.commit()
        db.session.refresh(image)
        db.session.expunge(image)
        db.engine.dispose()
    article = live_server.publish("How a blocked site kept its readers", BODY, image=image,
                                  standfirst="Mirrors, onion services and USB sticks.", topics=["Censorship"])
    interview = live_server.publish("Editors on running a site under blocking", TRANSCRIPT, interview=True,
                                    standfirst="Two editors on what readers need.")
    return {"home": "/", "article": article.path, "interview": interview.path,
            "campaign": f"/campaigns/{live_server.campaign.slug}"}


def lighthouse(url: str, report: str) -> dict:
    """One Lighthouse run, mobile profile (its default: a phone, simulated slow 4G and CPU)."""
    node = shutil.which("node")
    if node is None or not LIGHTHOUSE.exists():
        _missing(f"{LIGHTHOUSE} is missing: npm ci --prefix tests/e2e")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    result = subprocess.run(
        [node, str(LIGHTHOUSE), url, "--quiet", "--form-factor=mobile", f"--output-path={report}",
         "--output=json", f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)}, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(report, encoding="utf-8") as opened:
        return json.load(opened)


def shortfalls(found: dict) -> list[str]:
    """Each category under the bar, with the audits that cost it points."""
    missing = []
    for name in CATEGORIES:
        category = found["categories"][name]
        if category["score"] is None or category["score"] < LOWEST:
            lost = [f"{ref['id']} ({found['audits'][ref['id']]['score']})" for ref in category["auditRefs"]
                    if ref["weight"] and (found["audits"][ref["id"]]["score"] or 0) < 1]
            missing.append(f"{name} {category['score']}: {', '.join(lost)}")
    return missing


@pytest.mark.parametrize("name", ["home", "article", "interview", "campaign"])
def test_lighthouse_scores_readers_pages_at_095_or_more(live_server: LiveServer, pages: dict[str, str],
                                                        name: str):
    folder = RESULTS / "test_lighthouse"
    folder.mkdir(parents=True, exist_ok=True)
    found = lighthouse(live_server.url + pages[name], str(folder / f"{name}.json"))
    assert found["configSettings"]["formFactor"] == "mobile"
    assert shortfalls(found) == [], {key: found["categories"][key]["score"] for key in CATEGORIES}
