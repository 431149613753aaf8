"""End-to-end fixtures: the app served by gunicorn, Debian's chromium driven by Playwright, axe-core.

Why gunicorn and not werkzeug in a thread: it is the server `make run` and production
use (same config file, same access log), the app runs in its own process with its own
connections to the database, and a crash or a hang there cannot take pytest down with it.
One server per test module: starting gunicorn costs about a second; the browser is
started once per session.

The tests share the served database with the test process: `LiveServer.app` is an app on
the same SQLite file and instance folder, for creating users and campaigns through the
services (the page cache's generation file is in that folder too, so those commits show).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from cms import create_app
from cms.accounts import services as accounts
from cms.accounts.models import Role, User
from cms.campaigns import services as campaigns
from cms.campaigns.models import Campaign
from cms.config import env_name
from cms.database import utcnow
from cms.extensions import db
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results" / "e2e"
IN_CI = os.environ.get("CI", "").lower() == "true"
VARIANTS = {"js": True, "nojs": False}
TIMEOUT_MS = 10_000  # generous for a loaded CI machine; a passing step takes well under a second
expect.set_options(timeout=TIMEOUT_MS)

SERVED_SETTINGS = {
    "SECRET_KEY": "e2e secret key",
    # Comments posted faster than this go to spam silently; a browser types in milliseconds.
    "CMS_COMMENT_MIN_SECONDS": 0,
    "CMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # logins in milliseconds
    # Every test reader posts from 127.0.0.1: the per-address limits are not under test here.
    "CMS_COMMENT_RATE_PER_MINUTE": 1000,
    "CMS_COMMENT_RATE_PER_DAY": 10_000,
}
USERS = {
    "writer": ("writer@example.org", "Wanda Writer", Role.WRITER),
    "moderator": ("moderator@example.org", "Mo Moderator", Role.MODERATOR),
    "editor": ("editor@example.org", "Ed Editor", Role.EDITOR),
    "admin": ("admin@example.org", "Ada Admin", Role.ADMIN),
}
CAMPAIGN = "Internet rights are human rights"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests run last, whatever else was selected with them."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


def _missing(what: str) -> None:
    """Outside CI a missing tool skips the e2e tests; in CI (CI=true) it fails them."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: the end-to-end tests must run)", pytrace=False)
    pytest.skip(what)


# --- The served app ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Flask
    log: Path
    campaign: Campaign
    users: dict[str, User] = field(default_factory=dict)

    def login_as(self, role: str) -> tuple[str, str]:
        return self.users[role].email, PASSWORD

    def publish(self, title: str, body: str, *, interview: bool = False, **fields: Any) -> Published:
        """Publish a piece by the writer through the services (the journeys' starting point)."""
        from cms.articles import services as pieces
        from cms.articles.feeds import piece_url
        from cms.interviews import services as interviews

        with self.app.test_request_context():
            writer = db.session.get(User, self.users["writer"].id)
            data = pieces.PieceData(title=title, body_source=body, campaign_id=self.campaign.id, **fields)
            piece = (interviews.create_interview(writer, data) if interview
                     else pieces.create_piece(writer, data))
            pieces.publish(piece, writer, utcnow() - timedelta(minutes=5))
            published = Published(piece.id, title, piece_url(piece))
            db.engine.dispose()
        return published

    def comment(self, piece: Published, name: str, body: str) -> int:
        """A reader's comment through the services, waiting for a moderator; its id."""
        from cms.articles.models import Piece
        from cms.comments import services as comments

        with self.app.app_context():
            comment_id = comments.post_comment(db.session.get(Piece, piece.id), name, "", body).id
            db.engine.dispose()
        return comment_id

    def approve(self, comment_id: int) -> None:
        """What the moderator's Approve button does, through the services."""
        from cms.comments import services as comments

        with self.app.app_context():
            moderator = db.session.get(User, self.users["moderator"].id)
            assert comments.moderate(moderator, [comment_id], "approve"), "nothing was approved"
            db.engine.dispose()

    def comments_on(self, piece: Published) -> list[tuple[str, str]]:
        """(status, text as typed) of every comment on a piece, oldest first."""
        from sqlalchemy import select

        from cms.comments.models import Comment

        with self.app.app_context():
            rows = db.session.execute(select(Comment.status, Comment.body)
                                      .where(Comment.piece_id == piece.id).order_by(Comment.id))
            found = [(str(status), body) for status, body in rows]
            db.engine.dispose()
        return found


@dataclass(frozen=True)
class Published:
    id: int
    title: str
    path: str


def _prepare_database(folder: Path) -> tuple[Flask, str]:
    """A fresh SQLite file migrated to every head, in a temporary instance folder."""
    url = f"sqlite:///{folder / 'cms.sqlite3'}"
    app = create_app({**SERVED_SETTINGS, "SQLALCHEMY_DATABASE_URI": url,
                      "CMS_INSTANCE_PATH": str(folder / "instance")})
    with app.app_context():
        upgrade(revision="heads")
    return app, url


def _seed(app: Flask) -> tuple[dict[str, User], Campaign]:
    with app.app_context():
        users = {}
        for role, (email, name, kind) in USERS.items():
            users[role] = accounts.create_user(email, name, kind, PASSWORD)
        campaign = campaigns.save_campaign(users["editor"], campaigns.CampaignData(
            title=CAMPAIGN, description="Free expression and privacy online.",
            attribution="This piece is part of the Internet rights campaign."))
        for obj in (*users.values(), campaign):
            db.session.refresh(obj)
            db.session.expunge(obj)
        db.session.remove()  # its connection back to the pool first, so that dispose closes it
        db.engine.dispose()
    return users, campaign


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if json.load(response).get("status") == "ok":
                    return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on {url} within 30 s:\n{log.read_text()}")


class MailCatcher:
    """A tiny SMTP server on 127.0.0.1 that keeps every message the served app sends.

    Just enough of RFC 5321 for smtplib (EHLO, MAIL, RCPT, DATA, QUIT), in a thread: the
    journeys read the mails a moderator would get, and no mail leaves the machine.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self.port = int(self._socket.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed
                return
            with connection, connection.makefile("rwb") as stream:
                self._session(stream)

    def _session(self, stream: Any) -> None:
        def reply(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        reply("220 localhost catcher")
        while line := stream.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                reply("354 go on")
                data = b""
                while (chunk := stream.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.messages.append(BytesParser(policy=default_policy).parsebytes(data))
                reply("250 kept")
            elif verb == "QUIT":
                reply("221 bye")
                return
            elif verb == "EHLO":
                reply("250 localhost")
            else:
                reply("250 ok")

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The messages once at least `count` have come (mail is sent after the response)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} mails came, not {count}"
        return self.messages

    def close(self) -> None:
        self._socket.close()


@pytest.fixture(scope="module")
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    yield catcher
    catcher.close()


@pytest.fixture(scope="module")
def live_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn, one worker, on 127.0.0.1 on a free port, with a fresh migrated database.

    A test module may change the served settings with a module-level SERVED_OVERRIDES, and
    send the served app's mail to the `mail_catcher` with MAIL_CAUGHT = True."""
    folder = tmp_path_factory.mktemp("e2e-server")
    overrides = dict(getattr(request.module, "SERVED_OVERRIDES", {}))
    if getattr(request.module, "MAIL_CAUGHT", False):
        catcher: MailCatcher = request.getfixturevalue("mail_catcher")
        overrides.update({"CMS_MAIL_SERVER": "127.0.0.1", "CMS_MAIL_PORT": catcher.port,
                          "CMS_MAIL_SENDER": "news@example.org"})
    app, database_url = _prepare_database(folder)
    users, campaign = _seed(app)
    port = _free_port()
    env = {
        **os.environ,
        "CMS_DATABASE_URL": database_url,
        "CMS_INSTANCE_PATH": str(folder / "instance"),
        **{env_name(key): str(value) for key, value in {**SERVED_SETTINGS, **overrides}.items()},
        "CMS_BIND": f"127.0.0.1:{port}",
        "CMS_BASE_URL": f"http://127.0.0.1:{port}",
        "CMS_WORKERS": "1",
    }
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:cms.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url, log)
        yield LiveServer(url=url, app=app, log=log, campaign=campaign, users=users)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with app.app_context():
            db.engine.dispose()


# --- The browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless; never a downloaded browser."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _folder_for(node: pytest.Item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", node.nodeid.split("::", 1)[-1]).strip("-")
    folder = RESULTS / node.path.stem / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


# The widths every new page is tried at: a desktop and a phone.
WIDTHS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


def assert_no_sideways_scroll(page: Page) -> None:
    """The page, its stylesheets loaded, is no wider than the window."""
    page.wait_for_load_state("load")  # a click returns before the stylesheets have arrived
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def log_in(page: Page, server: LiveServer, role: str,
           before_submit: Callable[[], Any] | None = None, *, here: bool = False) -> None:
    """Through the login form, as a person would: the one at /login (landing on the desk),
    or with `here` the one this page shows (a page that asked for a login, then itself)."""
    email, password = server.login_as(role)
    if not here:
        page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if before_submit is not None:
        before_submit()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("^Log out"))).to_be_visible()


class Journey:
    """People in one browser (each their own context), with JavaScript on or off for all.

    Every step is a screenshot in test-results/e2e/<module>/<test>/; a dialog (alert,
    confirm, prompt) or an uncaught script error anywhere fails the test at the next step.
    """

    def __init__(self, browser: Browser, server: LiveServer, js: bool, folder: Path) -> None:
        self.browser = browser
        self.server = server
        self.js = js
        self.folder = folder
        self.contexts: list[BrowserContext] = []
        self.dialogs: list[str] = []
        self.script_errors: list[str] = []
        self.steps = 0

    def person(self) -> Page:
        """A new visitor: a fresh context, so no cookie is shared with anyone else."""
        context = self.browser.new_context(base_url=self.server.url, java_script_enabled=self.js)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        # A CSP violation (an inline style or script slipped into a template) or a failed load.
        page.on("console", lambda message: message.type == "error" and self.script_errors.append(
            f"console: {message.text} ({page.url})"))
        return page

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message!r} on {dialog.page.url if dialog.page else '?'}")
        dialog.dismiss()

    def step(self, page: Page, name: str) -> Path:
        """Save a screenshot of the step, and fail if a script opened a dialog or broke."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        self.check()
        return path

    def forgive(self, status: int) -> None:
        """A page answered `status` on purpose (the refusal under test): the console error the
        browser logs for it is expected, and nothing else is forgiven."""
        self.script_errors = [error for error in self.script_errors
                              if not error.startswith(f"console: Failed to load resource: the server "
                                                      f"responded with a status of {status} ")]

    def check(self) -> None:
        assert not self.dialogs, f"a script opened a dialog: {self.dialogs}"
        assert not self.script_errors, f"a script failed: {self.script_errors}"

    def log_in(self, page: Page, role: str, *, here: bool = False) -> None:
        log_in(page, self.server, role, before_submit=lambda: self.step(page, f"{role} login form"),
               here=here)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=list(VARIANTS), ids=list(VARIANTS))
def journey(request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer) -> Iterator[Journey]:
    """The same test with JavaScript on ("js") and off ("nojs") in the browser."""
    trip = Journey(browser, live_server, VARIANTS[request.param], _folder_for(request.node))
    yield trip
    trip.close()
    trip.check()


# --- axe-core ------------------------------------------------------------------------------------

# Rules asserted whatever impact axe gives them: what the issue asks for by name.
NAMED_RULES = {"heading-order", "page-has-heading-one", "label", "html-has-lang", "html-lang-valid",
               "valid-lang", "skip-link", "landmark-one-main", "document-title", "empty-heading"}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                     f" {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


@dataclass
class Axe:
    """A JavaScript-on context with the CSP bypassed, only to inject and run axe-core.

    The journeys' own contexts keep the CSP: it forbids the injected script, as it should.
    """

    context: BrowserContext
    folder: Path

    def page(self) -> Page:
        page = self.context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    def violations(self, page: Page) -> list[dict[str, Any]]:
        """Serious and critical violations, and any violation of the rules the issue names."""
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [v for v in result["violations"]
                if v["impact"] in {"serious", "critical"} or v["id"] in NAMED_RULES]

    def assert_clean(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        found = self.violations(page)
        assert not found, f"axe-core on {name} ({page.url}):\n{_describe(found)}"


@pytest.fixture
def axe(request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer) -> Iterator[Axe]:
    """A fresh context per test (so nobody is logged in), with axe-core at hand."""
    if not AXE.exists():
        _missing(f"{AXE} is missing: npm ci --prefix tests/e2e")
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, java_script_enabled=True)
    yield Axe(context, _folder_for(request.node))
    context.close()
