"""Backup fixtures: a world with a row in every table that matters, brand-new empty instances to
restore into (on PostgreSQL each with its own new database, dropped after the test), the rows of
every table of the metadata, and the CLI of any app."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from click.testing import Result
from flask import Flask
from PIL import Image as PILImage
from sqlalchemy import create_engine, make_url, select, text

from cms import create_app
from cms.accounts import services as accounts
from cms.accounts import twofactor
from cms.accounts.models import Role
from cms.articles import services as pieces
from cms.articles.images import store_image, upload_folder
from cms.campaigns import services as campaigns
from cms.comments import services as comments
from cms.config import normalize_database_url
from cms.database import utcnow
from cms.extensions import db
from cms.interviews.models import Interview
from tests.conftest import BACKEND, PASSWORD, Auth, base_config, postgres_url

TRANSCRIPT = ("Why we talk.\n\nAnn Ask (AA): What happened in Bakı?\n\n"
              "Иван Петров (ИП): The site was blocked.[^1]\n\n[^1]: In March.")
# Tables a world must fill (a new table is compared too, filled or not).
FILLED = {"users", "user_sessions", "recovery_codes", "campaigns", "pieces", "tags", "piece_tags",
          "images", "participants", "turns", "comments", "moderation_events", "site_settings",
          "audit_events", "rate_counters", "alembic_version"}


@dataclass(frozen=True)
class World:
    """What `build_world` made: ids and the things a test looks for."""

    article_id: int
    article_slug: str
    interview_id: int
    image_filename: str
    image_bytes: bytes
    approved_text: str
    pending_text: str


def png() -> io.BytesIO:
    out = io.BytesIO()
    PILImage.new("RGB", (12, 8), (200, 40, 40)).save(out, format="PNG")
    out.seek(0)
    return out


def build_world(app: Flask) -> World:
    """Users of each role (one with two-factor sign-in), a campaign, an article with tags and an
    image, an interview, comments approved, pending, spam, deleted and a reply, their moderation
    events, blocked words and the audit events of all that: made through the services."""
    with app.test_request_context():  # turning two-factor sign-in on ends the other sessions
        admin = accounts.create_user("ada@example.org", "Ada Admin", Role.ADMIN, PASSWORD)
        writer = accounts.create_user("wanda@example.org", "Wanda Writer", Role.WRITER, PASSWORD)
        moderator = accounts.create_user("mo@example.org", "Mo Moderator", Role.MODERATOR, PASSWORD)
        secret = twofactor.new_secret()
        twofactor.enable(admin, secret, pyotp.TOTP(secret).now())
        campaign = campaigns.save_campaign(admin, campaigns.CampaignData(title="Internet rights"))
        image = store_image(png(), alt_text="A placard", credit="N. N.")
        article = pieces.create_piece(writer, pieces.PieceData(
            title="Blocked in Bakı", body_source="Defenders *speak*.[^1]\n\n[^1]: A note.",
            topics=["Censorship"], countries=["Azerbaijan"], campaign_id=campaign.id, image=image))
        pieces.publish(article, writer, utcnow() - timedelta(days=2))
        interview = pieces.create_piece(writer, pieces.PieceData(title="Talking to Ivan",
                                                                 body_source=TRANSCRIPT), Interview)
        pieces.publish(interview, writer, utcnow() - timedelta(days=1))
        approved = comments.post_comment(article, "Reader One", "one@example.org", "Thank you.\n\nTruly.")
        comments.post_comment(article, "Reader Two", "two@example.org", "Still waiting.")
        comments.post_comment(article, "Bot", "", "Cheap pills", held="honeypot")
        deleted = comments.post_comment(interview, "Reader Three", "three@example.org", "Oops.")
        comments.moderate(moderator, [approved.id], "approve")
        comments.moderate(moderator, [deleted.id], "delete")
        comments.post_comment(article, "Reader One", "ONE@example.org", "A reply.", parent_id=approved.id)
        comments.set_blocked_words(admin, "pills\ncasino")
        world = World(article.id, article.slug, interview.id, image.filename,
                      (upload_folder() / image.filename).read_bytes(), "Truly.", "Still waiting.")
    Auth(app.test_client()).login("wanda@example.org")  # a server-side session
    return world


def table_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the metadata, in primary-key order."""
    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
        found["alembic_version"] = [tuple(row) for row in db.session.execute(
            text("SELECT version_num FROM alembic_version ORDER BY version_num"))]
        db.session.commit()
    return found


def invoke(app: Flask, *args: str) -> Result:
    """A CLI command of `app`, as `flask --app cms ...` runs it."""
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def spare_database() -> Iterator[Callable[[str], str]]:
    """PostgreSQL: a new empty database named after the test database (test_x_<suffix>); its URL.
    Every one is dropped after the test."""
    made: list[str] = []
    base = make_url(normalize_database_url(postgres_url())) if BACKEND == "postgres" else None

    def run(sql: str) -> None:
        assert base is not None
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
        engine.dispose()

    def make(suffix: str) -> str:
        assert base is not None, "spare databases are for PostgreSQL"
        name = f"{base.database}_{suffix}"
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run(f'CREATE DATABASE "{name}" TEMPLATE template0')
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in made:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def new_instance(tmp_path: Path, spare_database: Callable[[str], str]) -> Iterator[Callable[..., Flask]]:
    """A brand-new instance with no database yet (a new instance folder; on PostgreSQL a new
    empty database); settings as keywords."""
    made: list[Flask] = []

    def make(name: str = "restored", **settings: Any) -> Flask:
        folder = tmp_path / name / "instance"
        url = spare_database(name) if BACKEND == "postgres" else f"sqlite:///{folder / 'cms.sqlite3'}"
        app = create_app(base_config(folder, url) | settings)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()
