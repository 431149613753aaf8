"""The anonymous comment form's token: which piece, and when the form was served.

It stands in for the session's CSRF token (a reader who only reads gets no cookie). The
form is served by its own uncached page ("Write a comment"), so the time the token carries
is when this reader got the form; a token is spent by the comment it sends.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from cms import formtokens
from cms.formtokens import FormToken, FormTokenError, clock, seconds_since_served

__all__ = ["FormToken", "FormTokenError", "clock", "make_token", "read_token", "ours",
           "refusal_message", "seconds_since_served", "spend"]

PURPOSE = "comment"
NAME = "comment form"


# What a reader is told, in the page's language, of a token that cannot send the form.
REFUSALS = {
    "missing": _l("The comment form was sent without its security token."),
    "invalid": _l("The comment form's security token is not valid."),
    "expired": _l("The comment form has expired."),
    "spent": _l("This comment form was already sent once."),
}


def refusal_message(exc: FormTokenError) -> str:
    return str(REFUSALS.get(exc.kind, exc))


def _max_age() -> int:
    return int(current_app.config["CMS_COMMENT_FORM_MAX_AGE"])


def make_token(piece_id: int, served_at: int | None = None) -> str:
    return formtokens.make_token(PURPOSE, piece_id, served_at)


def read_token(value: str | None, piece_id: int) -> FormToken:
    """The token's content, checked: signed by us, for this piece, not expired."""
    return formtokens.read_token(value, PURPOSE, piece_id, max_age=_max_age(), name=NAME)


def ours(value: str | None, piece_id: int) -> bool:
    """A token we signed for this piece's form, however old or spent."""
    return formtokens.signed_by_us(value, PURPOSE, piece_id)


def spend(token: FormToken) -> None:
    """Refuse a second comment sent with the same form."""
    formtokens.spend(token, _max_age(), name=NAME)
