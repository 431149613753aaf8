"""Two app servers, one PostgreSQL database, one Redis (issue 16, point 5): two gunicorn
processes on 127.0.0.1 with their own instance folders, as behind a load balancer.

A writer publishes an interview on the first; the second finds it by search (the PostgreSQL
engine: nothing on either server's disk) and serves the page; a comment posted on the second
and approved on the first is on both at once (the page cache's generation and the rate
counters in Redis, sessions in the database). The second serving an image uploaded on the
first is expected to fail until images are kept in the database (xfail, strict).

Runs where CMS_TEST_POSTGRES_URL names a PostgreSQL server (its public schema is dropped and
migrated again, as the suite does) and CMS_TEST_REDIS_URL a Redis database; skipped otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from flask_migrate import upgrade
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from cms import create_app
from cms.config import env_name
from cms.extensions import db
from tests.conftest import base_config, reset_postgres
from tests.e2e.conftest import (
    CAMPAIGN,
    ROOT,
    SERVED_SETTINGS,
    Journey,
    LiveServer,
    _folder_for,
    _free_port,
    _seed,
    _wait_until_up,
)

pytestmark = pytest.mark.e2e

POSTGRES = os.environ.get("CMS_TEST_POSTGRES_URL", "")
REDIS = os.environ.get("CMS_TEST_REDIS_URL", "")
TRANSCRIPT = """Two editors on keeping a site up.

Leyla Aliyeva (LA): Where do your readers find you now?

Rashad Mammadov (RM): On the mirrors of the lighthouse archive, from any of our servers.
"""


def _fresh_redis() -> bool:
    """Whether Redis answers; the site's keys (cms:…) from an earlier run are deleted."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS, socket_timeout=1)
        for key in client.scan_iter("cms:*"):
            client.delete(key)
        return True
    except (redis.RedisError, ValueError):
        return False


@dataclass
class Servers:
    first: LiveServer
    second: LiveServer
    processes: list[subprocess.Popen[bytes]]


def _start(folder: Path, url: str, settings: dict[str, object]) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = _free_port()
    env = {**os.environ, **{env_name(key): str(value) for key, value in settings.items()},
           "CMS_DATABASE_URL": url, "CMS_INSTANCE_PATH": str(folder / "instance"),
           "CMS_BIND": f"127.0.0.1:{port}", "CMS_BASE_URL": f"http://127.0.0.1:{port}",
           "CMS_TRUSTED_HOSTS": "127.0.0.1", "CMS_WORKERS": "2"}
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:cms.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    served = f"http://127.0.0.1:{port}"
    _wait_until_up(process, served, log)
    return process, served, log


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not POSTGRES:
        pytest.skip("two app servers share a PostgreSQL database: set CMS_TEST_POSTGRES_URL")
    if not REDIS or not _fresh_redis():
        pytest.skip("two app servers share a Redis: set CMS_TEST_REDIS_URL to one that answers")
    settings = {**SERVED_SETTINGS, "CMS_SEARCH_BACKEND": "postgres", "CMS_REDIS_URL": REDIS}
    folders = [tmp_path_factory.mktemp(name) for name in ("server-a", "server-b")]
    reset_postgres(POSTGRES)
    app = create_app({**base_config(folders[0] / "setup", POSTGRES), **settings, "TESTING": False})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    users, campaign = _seed(app)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        started = [_start(folder, POSTGRES, settings) for folder in folders]
        processes = [process for process, _, _ in started]
        first, second = (LiveServer(url=url, app=app, log=log, campaign=campaign, users=users)
                         for _, url, log in started)
        yield Servers(first, second, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        with app.app_context():
            db.engine.dispose()
        reset_postgres(POSTGRES)  # give the suite its database back, migrated
        with app.app_context():
            upgrade(revision="heads")
            db.engine.dispose()


class Visit(Journey):
    """People on either server, JavaScript off (the journeys check both; this is about servers)."""

    def on(self, server: LiveServer) -> Page:
        """A new visitor of this server."""
        self.server = server
        return self.person()


@pytest.fixture
def visit(request: pytest.FixtureRequest, browser: Browser, servers: Servers) -> Iterator[Visit]:
    trip = Visit(browser, servers.first, False, _folder_for(request.node))
    yield trip
    trip.close()


def _picture(folder: Path) -> Path:
    path = folder / "lighthouse.png"
    out = BytesIO()
    Image.new("RGB", (320, 200), (30, 80, 140)).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def _publish_on(page: Page, visit: Visit, title: str, picture: Path | None = None) -> None:
    """The writer's journey on one server: a new interview (with a lead image), published."""
    visit.log_in(page, "writer")
    page.get_by_role("link", name="New interview").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Transcript").fill(TRANSCRIPT)
    page.get_by_label("Campaign").select_option(label=CAMPAIGN)
    if picture is not None:
        page.get_by_label("Lead image").set_input_files(str(picture))
        page.get_by_label("Alternative text").fill("A lighthouse at dusk")
    page.get_by_role("button", name="Save and preview").click()
    page.get_by_role("button", name="Confirm and preview").click()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_role("status")).to_have_text("Published.")
    visit.step(page, "published on the first server")


def test_what_one_server_writes_the_other_finds_serves_and_shows_at_once(visit, servers):
    """Without an image: the next test is the image, which is not served yet."""
    title = "Mirrors of the lighthouse archive"
    _publish_on(visit.on(servers.first), visit, title)

    reader = visit.on(servers.second)
    reader.goto("/search?q=lighthouse+mirrors")
    expect(reader.locator(".search-count")).to_have_text("1 result for “lighthouse mirrors”")
    hit = reader.locator("ol.results > li").first
    expect(hit.locator(".snippet .speaker")).to_have_text("Rashad Mammadov:")
    visit.step(reader, "found on the second server")
    hit.get_by_role("heading").get_by_role("link").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    piece_path = reader.url.removeprefix(servers.second.url)
    visit.on(servers.first).goto(piece_path)  # the page is now in the shared cache, from each
    visit.step(reader, "the page on the second server")

    reader.get_by_role("link", name="Write a comment").click()
    reader.get_by_label("Your name").fill("Aysel")
    reader.get_by_label("Comment", exact=True).fill("Read from the second server.")
    reader.get_by_role("button", name="Send comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Comment received")

    moderator = visit.on(servers.first)
    moderator.goto("/moderation/comments")
    visit.log_in(moderator, "moderator", here=True)
    row = moderator.locator("tr", has_text="Read from the second server.")
    row.get_by_role("button", name=re.compile("^Approve comment")).click()
    expect(moderator.get_by_role("status")).to_have_text("1 comment approved.")

    for server in (servers.second, servers.first):  # both pages were cached before the approval
        page = visit.on(server)
        page.goto(piece_path)
        expect(page.locator("section.comments")).to_contain_text("Read from the second server.")
        visit.step(page, f"the comment on {server.url}")


@pytest.mark.xfail(strict=True, reason="issue 16, point 5, not done: uploaded images are files in "
                   "the first server's instance folder (images in the database on PostgreSQL)")
def test_the_second_server_serves_the_image_the_first_received(visit, servers, tmp_path):
    title = "A lighthouse, photographed"
    _publish_on(visit.on(servers.first), visit, title, _picture(tmp_path))
    reader = visit.on(servers.second)
    reader.goto("/search?q=photographed+lighthouse")
    reader.locator("ol.results > li").first.get_by_role("heading").get_by_role("link").click()
    visit.forgive(404)  # the image, until this test passes
    source = reader.get_by_role("img", name="A lighthouse at dusk").get_attribute("src")
    assert source
    response = reader.request.get(source)
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
