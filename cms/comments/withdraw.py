"""A reader withdraws their own comment with the secret link they got once, on the thank-you page.

The key is the only credential: 256 random bits, of which only the SHA-256 is stored
(`identity.withdraw_hash`). It works once: withdrawing clears the stored hash.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from cms.comments import identity
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.database import utcnow
from cms.errors import render_error
from cms.extensions import csrf, db
from cms.i18n import speak

bp = Blueprint("comment_withdrawal", __name__, url_prefix="/comments")

KEY_MAX = 100  # a key is 43 characters; anything much longer is not one of ours
NOT_VALID = _l("This link is not valid, or the comment was already withdrawn.")
WITHDRAWN = _l("Your comment has been withdrawn.")


# --- The rule ------------------------------------------------------------------------------------


def comment_for_key(key: str | None) -> Comment | None:
    """The comment a withdraw key belongs to, while it has not been withdrawn."""
    if not key or len(key) > KEY_MAX:
        return None
    return db.session.scalar(select(Comment).where(
        Comment.withdraw_hash == identity.withdraw_hash(key), Comment.status != CommentStatus.DELETED))


def _spend_key(comment: Comment) -> bool:
    """Clear the comment's key in one conditional UPDATE: of two requests at once (a double
    click), on SQLite as on PostgreSQL, only the first finds it still there."""
    spent = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.withdraw_hash.is_not(None),
                              Comment.withdraw_hash == comment.withdraw_hash,
                              Comment.status != CommentStatus.DELETED)
        .values(withdraw_hash=None), execution_options={"synchronize_session": False})
    return bool(spent.rowcount)


def withdraw_comment(comment: Comment) -> Comment | None:
    """Withdrawn by its author: deleted, the key spent, the address dropped; one event, one commit.
    None when another request withdrew it first.

    A withdrawn approved comment leaves the public page: the status change from APPROVED
    makes the commit bump the page cache's generation (`Comment.affects_public_pages`).
    """
    if not _spend_key(comment):
        db.session.rollback()
        return None
    now = utcnow()
    comment.status = CommentStatus.DELETED
    comment.withdrawn_at = now
    comment.withdraw_hash = None
    comment.author_email = ""
    comment.email_hash = None
    db.session.add(ModerationEvent(comment=comment, moderator=None, action="withdraw", at=now))
    db.session.commit()
    return comment


# --- The pages -----------------------------------------------------------------------------------


def _private(html: str, status: int = 200) -> Response:
    """Never cached, never indexed; the key in the address is never sent on as a referrer."""
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _not_valid() -> Response:
    return _private(*render_error(404, NOT_VALID))


@bp.route("/withdraw", methods=["GET", "POST"])
# No session CSRF token: the reader is anonymous and has no session. The key in the form is
# the secret a forged cross-site POST would need, and whoever holds it may withdraw anyway.
@csrf.exempt
def withdraw() -> Response:
    """GET: the comment and a button (following the link alone, as a mail scanner or a link
    preview does, changes nothing). POST: the key from the form withdraws the comment."""
    posted = request.method == "POST"
    key = (request.form if posted else request.args).get("key", "")
    comment = comment_for_key(key)
    if comment is None:
        return _not_valid()
    speak(comment.piece.language)  # the page in the language of the piece it was written on
    if not posted:
        return _private(render_template("comments/withdraw.html", comment=comment, key=key))
    if withdraw_comment(comment) is None:
        return _not_valid()
    return _private(render_template("comments/withdrawn.html", message=WITHDRAWN))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
