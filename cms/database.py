"""Engine settings per backend and the time helpers every model shares."""

from __future__ import annotations

import enum
import sqlite3
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Enum, event
from sqlalchemy.engine import Engine


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo: how every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def site_to_utc(local: datetime, timezone: str) -> datetime:
    """A naive time typed in the site's time zone, as stored (naive UTC)."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def utc_to_site(stored: datetime, timezone: str) -> datetime:
    """A stored (naive UTC) time in the site's time zone, for display."""
    return stored.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def enum_column(kind: type[enum.Enum], name: str) -> Enum:
    """A string column limited to the enum's values by a named CHECK constraint."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


def engine_options(app: Flask) -> dict[str, Any]:
    """Engine options for the configured database URL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        timeout = app.config["CMS_SQLITE_BUSY_TIMEOUT_MS"] / 1000
        return {"connect_args": {"timeout": timeout}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers and enforced foreign keys (the busy timeout is a connect arg)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Engine options for the configured database, and SQLite's pragmas on every connection."""
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app))
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
