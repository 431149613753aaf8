"""The anonymous comment form's signed token: which piece, and when the form was served.

It stands in for the session's CSRF token (a reader who only reads gets no cookie),
so it depends on nothing about the reader: every reader of a page gets the same one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "cms.comments.form-token"


class FormTokenError(ValueError):
    """A token that is missing, forged, for another piece, or too old."""


@dataclass(frozen=True)
class FormToken:
    piece_id: int
    served_at: int  # Unix seconds


def clock() -> int:
    """The current Unix time in whole seconds (tests replace it)."""
    return int(time.time())


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(piece_id: int, served_at: int | None = None) -> str:
    served = clock() if served_at is None else served_at
    return _serializer().dumps({"piece": piece_id, "served": served})


def read_token(value: str | None, piece_id: int) -> FormToken:
    """The token's content, checked: signed by us, for this piece, not expired."""
    if not value:
        raise FormTokenError("The comment form was sent without its security token.")
    try:
        data = _serializer().loads(value)
        token = FormToken(int(data["piece"]), int(data["served"]))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise FormTokenError("The comment form's security token is not valid.") from exc
    if token.piece_id != piece_id:
        raise FormTokenError("The comment form's security token is not valid.")
    if clock() - token.served_at > current_app.config["CMS_COMMENT_FORM_MAX_AGE"]:
        raise FormTokenError("The comment form has expired.")
    return token


def seconds_since_served(token: FormToken) -> int:
    return clock() - token.served_at
