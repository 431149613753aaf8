"""Fixtures: an app on a freshly migrated database, a client, users by role, and factories.

The suite runs on SQLite; with CMS_TEST_BACKEND=postgres it runs on the server that
CMS_TEST_POSTGRES_URL names (its public schema is dropped and migrated first).
"""

from __future__ import annotations

import os
import re
import shutil
import smtplib
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from cms import create_app
from cms.accounts import services as accounts
from cms.accounts.models import Role, User
from cms.articles import services as pieces
from cms.articles.models import Article, Piece, PieceStatus
from cms.campaigns import services as campaigns
from cms.campaigns.models import Campaign
from cms.database import utcnow
from cms.extensions import db

BACKEND = os.environ.get("CMS_TEST_BACKEND", "sqlite")
PASSWORD = "correct horse battery staple"


def postgres_url() -> str:
    url = os.environ.get("CMS_TEST_POSTGRES_URL", "")
    if not url:
        pytest.exit("CMS_TEST_BACKEND=postgres needs CMS_TEST_POSTGRES_URL", returncode=2)
    return url


def reset_postgres(url: str) -> None:
    """An empty public schema: the migrations then build everything."""
    from cms.config import normalize_database_url

    engine = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def base_config(instance: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CMS_INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "CMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashes: tests make many users
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a database migrated once per session (SQLite: a template file to copy)."""
    folder = tmp_path_factory.mktemp("schema")
    if BACKEND == "postgres":
        url = postgres_url()
        reset_postgres(url)
    else:
        url = f"sqlite:///{folder / 'template.sqlite3'}"
    app = create_app(base_config(folder / "instance", url))
    with app.app_context():
        upgrade(revision="heads")  # several heads may exist while branches are merged
        db.engine.dispose()
    return url


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        if BACKEND == "postgres":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path, migrated_database: str) -> Iterator[Flask]:
    """A fresh app and database; `@pytest.mark.config(KEY=value)` overrides settings."""
    if BACKEND == "postgres":
        url = migrated_database
    else:
        template = Path(migrated_database.removeprefix("sqlite:///"))
        copy = tmp_path / "cms.sqlite3"
        shutil.copyfile(template, copy)
        url = f"sqlite:///{copy}"
    config = base_config(tmp_path / "instance", url)
    for marker in reversed(list(request.node.iter_markers("config"))):
        config.update(marker.kwargs)
    application = create_app(config)
    yield application
    if BACKEND == "postgres":
        _truncate_all(application)
    else:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield app


def _detached(obj: Any) -> Any:
    """Load an object fully and detach it, so a test can read it outside the context."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.WRITER, email: str | None = None,
             name: str | None = None, password: str = PASSWORD) -> User:
        number = next(counter)
        with app.app_context():
            user = accounts.create_user(
                email or f"{role}{number}@example.org", name or f"{str(role).title()} {number}",
                role, password,
            )
            return _detached(user)

    return make


@pytest.fixture
def make_campaign(app: Flask) -> Callable[..., Campaign]:
    def make(title: str = "Internet rights are human rights", **fields: Any) -> Campaign:
        with app.app_context():
            admin = accounts.find_by_email("campaign-admin@example.org") or accounts.create_user(
                "campaign-admin@example.org", "Campaign Admin", Role.ADMIN, PASSWORD)
            campaign = campaigns.save_campaign(admin, campaigns.CampaignData(title=title, **fields))
            return _detached(campaign)

    return make


@pytest.fixture
def make_piece(app: Flask, make_user: Callable[..., User]) -> Callable[..., Piece]:
    """A piece by `author` (a new writer by default), published an hour ago unless told."""

    def make(title: str = "A piece", *, author: User | None = None,
             status: PieceStatus | str = PieceStatus.PUBLISHED, published_at: Any = None,
             kind: type[Piece] = Article, **fields: Any) -> Piece:
        author = author or make_user(Role.WRITER)
        with app.app_context():
            writer = db.session.get(User, author.id)
            piece = pieces.create_piece(writer, pieces.PieceData(title=title, **fields), kind=kind)
            if status == PieceStatus.PUBLISHED:
                pieces.publish(piece, writer, published_at or utcnow() - timedelta(hours=1))
            elif status == PieceStatus.UNPUBLISHED:
                pieces.publish(piece, writer, published_at or utcnow() - timedelta(hours=1))
                pieces.unpublish(piece, writer)
            return _detached(piece)

    return make


class FakeSMTP:
    """Stands in for smtplib.SMTP: keeps the mails cms.mail.send would have sent."""

    sent: list[EmailMessage] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def starttls(self) -> None:
        pass

    def login(self, user: str, password: str) -> None:
        pass

    def send_message(self, message: EmailMessage) -> None:
        FakeSMTP.sent.append(message)


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[EmailMessage]:
    """The mails sent during the test, in order (no mail server is reached)."""
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    return FakeSMTP.sent


class Auth:
    """Log a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user: User | str, password: str = PASSWORD) -> Any:
        """Through the login page, with the form's own token as a browser would send it."""
        email = user if isinstance(user, str) else user.email
        token = form_token(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password,
                                                "form_token": token})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_token(html: str) -> str:
    """The signed token of a form that needs no session (login, comments)."""
    found = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    assert found, "no form token in the page"
    return found.group(1)
