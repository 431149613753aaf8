"""The moderation queue at /moderation/comments: states, bulk actions, history, closing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles.models import Piece
from cms.comments import services
from cms.comments.forms import BlockedWordsForm
from cms.comments.models import CommentStatus
from cms.extensions import db
from cms.permissions import Action, can, permission_required
from cms.rules import small_int

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

PER_PAGE = 50
LABELS = {"approve": "Approve", "unapprove": "Unapprove", "spam": "Spam", "delete": "Delete",
          "restore": "Restore"}
DONE = {"approve": "approved", "unapprove": "unapproved", "spam": "marked as spam",
        "delete": "deleted", "restore": "restored"}


# Moderators, editors and admins; readers are sent to log in, writers get 403.
moderator_required = permission_required(Action.MODERATE)


def _visible_piece(piece_id: int) -> Piece:
    """A piece the moderator may know of: answered as if unpublished ones did not exist."""
    piece = db.session.get(Piece, piece_id)
    if piece is None or not can(current_user, Action.SEE_PIECE, piece):
        abort(404)
    return piece


def _status(value: str | None) -> CommentStatus:
    try:
        return CommentStatus(value or CommentStatus.PENDING)
    except ValueError:
        abort(404)


def _queue_url(status: str | None, piece: str | None) -> str:
    return url_for("moderation.queue", status=_status(status).value, piece=small_int(piece))


@bp.route("")
@bp.route("/")
@moderator_required
def index() -> Response:
    return redirect(url_for("moderation.queue"))


@bp.route("/comments")
@moderator_required
def queue() -> str:
    status = _status(request.args.get("status"))
    piece_id = small_int(request.args.get("piece"))
    piece = _visible_piece(piece_id) if piece_id else None
    page = db.paginate(services.queue(current_user, status, piece_id),
                       page=small_int(request.args.get("page")) or 1,
                       per_page=PER_PAGE, error_out=False)
    return render_template(
        "moderation/queue.html", status=status, statuses=list(CommentStatus), piece=piece,
        page=page, counts=services.counts(current_user, piece_id), actions=_actions_for(status),
        labels=LABELS,
        closed=services.closed_reason(piece) if piece else None,
    )


def _actions_for(status: CommentStatus) -> list[str]:
    return [name for name, (applies_to, _) in services.ACTIONS.items() if status in applies_to]


def _apply(ids: list[str], action: str) -> None:
    try:
        changed = services.moderate(current_user, [i for i in map(small_int, ids) if i], action)
    except services.CommentError as exc:
        flash(exc.message)
        return
    number = len(changed)
    flash(f"{number} comment{'' if number == 1 else 's'} {DONE[action]}." if number
          else "No comment was changed: select at least one to which the action applies.")


@bp.route("/comments", methods=["POST"])
@moderator_required
def act() -> Response:
    """One form for the whole queue: a row's own button, or an action for every selected row."""
    one = request.form.get("one", "")
    if one:
        action, _, comment_id = one.partition(":")
        _apply([comment_id], action)
    else:
        _apply(request.form.getlist("ids"), request.form.get("action", ""))
    return redirect(_queue_url(request.form.get("status"), request.form.get("piece")))


@bp.route("/comments/<int(max=2147483647):comment_id>")
@moderator_required
def comment(comment_id: int) -> str:
    found = services.visible_comment(current_user, comment_id) or abort(404)
    return render_template("moderation/comment.html", comment=found,
                           events=services.history(found), labels=LABELS,
                           actions=_actions_for(found.status))


@bp.route("/comments/<int(max=2147483647):comment_id>", methods=["POST"])
@moderator_required
def comment_act(comment_id: int) -> Response:
    found = services.visible_comment(current_user, comment_id) or abort(404)
    _apply([str(found.id)], request.form.get("action", ""))
    return redirect(url_for("moderation.comment", comment_id=found.id))


@bp.route("/pieces/<int(max=2147483647):piece_id>/comments", methods=["POST"])
@moderator_required
def piece_comments(piece_id: int) -> Response:
    """Close or open comments on one piece."""
    piece = _visible_piece(piece_id)
    is_open = request.form.get("open") == "1"
    services.set_comments_open(current_user, piece, is_open)
    flash(f"Comments on “{piece.title}” are now {'open' if is_open else 'closed'}.")
    return redirect(url_for("moderation.queue", piece=piece.id))


@bp.route("/blocked-words", methods=["GET", "POST"])
@permission_required(Action.SET_BLOCKED_WORDS)
def blocked_words() -> str | Response:
    form = BlockedWordsForm()
    if form.validate_on_submit():
        words = services.set_blocked_words(current_user, form.words.data or "")
        flash(f"{len(words)} blocked word{'' if len(words) == 1 else 's'} saved.")
        return redirect(url_for("moderation.blocked_words"))
    if request.method == "GET":
        form.words.data = "\n".join(services.blocked_words())
    return render_template("moderation/blocked_words.html", form=form)
