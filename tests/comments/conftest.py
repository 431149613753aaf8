"""Comment fixtures: posting through the real form, and a check that no IP address is stored."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select

from cms.comments import tokens
from cms.comments.models import Comment
from cms.extensions import db

CLIENT_ADDRESS = "127.0.0.1"  # what the Flask test client reports as REMOTE_ADDR
_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]{3,}")


def ip_addresses_in_database(app: Flask) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value that holds an IP address."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if not isinstance(value, str):
                        continue
                    if CLIENT_ADDRESS in value or any(
                        _is_ip(candidate.strip(".:")) for candidate in _CANDIDATE.findall(value)
                    ):
                        found.append((table.name, column.name, value))
    return found


def _is_ip(text: str) -> bool:
    if "." not in text and "::" not in text and text.count(":") < 7:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def no_ip_address_is_stored(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every comment test that used the app, the database holds no IP address."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        assert ip_addresses_in_database(app) == []


def old_token(app: Flask, piece_id: int, age: int = 60) -> str:
    """The token of a form served `age` seconds ago."""
    with app.app_context():
        return tokens.make_token(piece_id, tokens.clock() - age)


@pytest.fixture
def send_comment(app: Flask, client: FlaskClient) -> Callable[..., Any]:
    """POST the anonymous comment form of a piece, as a reader who took a minute to write."""

    def send(piece: Any, body: str = "A thoughtful comment.", *, name: str = "Reader",
             email: str = "", reply_to: int | str = "", token: str | None = None,
             website: str = "", **extra: str) -> Any:
        data = {"name": name, "email": email, "body": body, "reply_to": str(reply_to),
                "website": website,
                "form_token": old_token(app, piece.id) if token is None else token, **extra}
        return client.post(f"/comments/{piece.id}", data=data)

    return send


@pytest.fixture
def comments_of(app: Flask) -> Callable[[int], list[Comment]]:
    def find(piece_id: int) -> list[Comment]:
        with app.app_context():
            found = db.session.scalars(
                select(Comment).where(Comment.piece_id == piece_id).order_by(Comment.id)).all()
            for comment in found:
                db.session.expunge(comment)
            return list(found)

    return find
