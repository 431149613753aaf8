"""Signed form tokens for forms without a session: what the form is for, when it was served.

A reader who only reads gets no cookie, and opening the login page creates no session, so
these forms carry their own token instead of the session's CSRF token: signed with the
secret key, for one purpose (and one object), expiring, and (where a replay matters)
spent once through the shared store of cms.ratelimit.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from cms import ratelimit

SALT = "cms.form-token"


class FormTokenError(ValueError):
    """A token that is missing, forged, for another form or object, too old, or spent
    (`kind`: "missing", "invalid", "expired", "spent"), so a page can say it in its language."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class FormToken:
    purpose: str
    subject: int  # the object the form is about (a piece), 0 for none
    served_at: int  # Unix seconds
    nonce: str


def clock() -> int:
    """The current Unix time in whole seconds (tests replace it)."""
    return int(time.time())


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(purpose: str, subject: int = 0, served_at: int | None = None) -> str:
    served = clock() if served_at is None else served_at
    return _serializer().dumps({"for": purpose, "of": subject, "served": served,
                                "n": secrets.token_urlsafe(12)})


def read_token(value: str | None, purpose: str, subject: int = 0, *, max_age: int,
               name: str = "form") -> FormToken:
    """The token's content, checked: signed by us, for this form and object, not expired."""
    if not value:
        raise FormTokenError(f"The {name} was sent without its security token.", "missing")
    try:
        data = _serializer().loads(value)
        token = FormToken(str(data["for"]), int(data["of"]), int(data["served"]), str(data["n"]))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise FormTokenError(f"The {name}'s security token is not valid.", "invalid") from exc
    if token.purpose != purpose or token.subject != subject:
        raise FormTokenError(f"The {name}'s security token is not valid.", "invalid")
    if clock() - token.served_at > max_age:
        raise FormTokenError(f"The {name} has expired.", "expired")
    return token


def signed_by_us(value: str | None, purpose: str, subject: int = 0) -> bool:
    """Whether a token is ours for this form and object, expired or spent as it may be: the form
    came from a reader who got it here, not from a bot that never loaded it."""
    try:
        data = _serializer().loads(value or "")
        return str(data["for"]) == purpose and int(data["of"]) == subject
    except (BadSignature, KeyError, TypeError, ValueError):
        return False


def spend(token: FormToken, max_age: int, name: str = "form") -> None:
    """Use a token once: a second use (a replay) raises. The mark lives as long as the token."""
    expires = token.served_at + max_age + 1
    try:
        claimed = ratelimit.counter().claim(f"token:{token.purpose}:{token.nonce}", expires)
    except Exception:  # a broken Redis must not stop readers: the token's checks still stand
        current_app.logger.warning("form tokens: the store of spent tokens failed")
        return
    if not claimed:
        raise FormTokenError(f"This {name} was already sent once.", "spent")


def check(value: str | None, purpose: str, subject: int = 0, *, name: str = "form",
          max_age: int | None = None, once: bool = False) -> FormToken:
    """`read_token`, good for `max_age` seconds (WTF_CSRF_TIME_LIMIT, as a session's token,
    when not given) and, with `once`, spent."""
    age = int(current_app.config["WTF_CSRF_TIME_LIMIT"]) if max_age is None else max_age
    token = read_token(value, purpose, subject, max_age=age, name=name)
    if once:
        spend(token, age, name=name)
    return token


def refusal(value: str | None, purpose: str, subject: int = 0, *, name: str = "form",
            then: str = "Please try again.") -> str | None:
    """Why a form sent without a session is refused before its fields are looked at (the
    token's fault, then `then`), or None. Off while WTF_CSRF_ENABLED is False, like the
    session forms' CSRF check."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    try:
        check(value, purpose, subject, name=name)
    except FormTokenError as exc:
        return f"{exc} {then}"
    return None


def seconds_since_served(token: FormToken) -> int:
    return clock() - token.served_at
