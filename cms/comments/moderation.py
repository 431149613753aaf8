"""The moderation queue at /moderation/comments: states, bulk actions, history, edits,
closing, and the pending count in the header."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from cms.articles.models import Piece
from cms.comments import services
from cms.comments.editing import REASON_MAX, edit_comment
from cms.comments.forms import BlockedWordsForm
from cms.comments.history import commenter_hash, earlier_comments
from cms.comments.models import Comment, CommentStatus
from cms.extensions import db
from cms.forms import Form
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


class EditCommentForm(Form):
    """A moderator's edit: the new text and why (the service checks both)."""

    body = TextAreaField("Text of the comment", render_kw={"rows": 8})
    reason = StringField("Reason for the edit", description="Kept in the history, e.g. “removed "
                         "a phone number”.", render_kw={"maxlength": REASON_MAX, "required": True})


def pending_count() -> int:
    """The header's "Moderation (3)": pending comments the viewer may know of; one query per
    page, only ever asked on the pages of users who moderate (never cached pages)."""
    if "moderation_pending" not in g:
        g.moderation_pending = services.counts(
            current_user, only=CommentStatus.PENDING)[CommentStatus.PENDING]
    return int(g.moderation_pending)


bp.add_app_template_global(pending_count, "moderation_pending")


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


def _filters(values: Any) -> dict[str, Any]:
    """The queue's filters (piece=, commenter=) as read from a query string or a form."""
    return {"piece": small_int(values.get("piece")),
            "commenter": commenter_hash(values.get("commenter"))}


def _queue_url(status: str | None, filters: dict[str, Any]) -> str:
    return url_for("moderation.queue", status=_status(status).value, **filters)


@bp.route("")
@bp.route("/")
@moderator_required
def index() -> Response:
    return redirect(url_for("moderation.queue"))


@bp.route("/comments")
@moderator_required
def queue() -> str:
    status = _status(request.args.get("status"))
    filters = _filters(request.args)
    piece = _visible_piece(filters["piece"]) if filters["piece"] else None
    page = db.paginate(services.queue(current_user, status, filters["piece"], filters["commenter"]),
                       page=small_int(request.args.get("page")) or 1,
                       per_page=PER_PAGE, error_out=False)
    counts = services.counts(current_user, filters["piece"], filters["commenter"])
    if not piece and not filters["commenter"]:
        g.moderation_pending = counts[CommentStatus.PENDING]  # the header asks no second time
    return render_template(
        "moderation/queue.html", status=status, statuses=list(CommentStatus), piece=piece,
        filters=filters, page=page, counts=counts, actions=_actions_for(status), labels=LABELS,
        earlier=earlier_comments(current_user, page.items),
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
    """One form for the whole queue: a row's own button, the chosen action for every selected
    row, or ("all") for every row the page showed (their ids come back as hidden fields)."""
    one = request.form.get("one", "")
    if one:
        action, _, comment_id = one.partition(":")
        _apply([comment_id], action)
    elif request.form.get("all"):
        _apply(request.form.getlist("shown"), request.form.get("action", ""))
    else:
        _apply(request.form.getlist("ids"), request.form.get("action", ""))
    return redirect(_queue_url(request.form.get("status"), _filters(request.form)))


def _comment_page(found: Comment, form: EditCommentForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    if form is None:
        form = EditCommentForm(formdata=None)
        form.body.data = found.body
    return render_template("moderation/comment.html", comment=found, events=services.history(found),
                           labels=LABELS, form=form,
                           actions=[] if found.withdrawn_at else _actions_for(found.status)), status


@bp.route("/comments/<int(max=2147483647):comment_id>")
@moderator_required
def comment(comment_id: int) -> tuple[str, int]:
    """One comment, its history and an edit form; a GET changes nothing (the mail's link)."""
    return _comment_page(services.visible_comment(current_user, comment_id) or abort(404))


@bp.route("/comments/<int(max=2147483647):comment_id>", methods=["POST"])
@moderator_required
def comment_act(comment_id: int) -> Response:
    found = services.visible_comment(current_user, comment_id) or abort(404)
    _apply([str(found.id)], request.form.get("action", ""))
    return redirect(url_for("moderation.comment", comment_id=found.id))


@bp.route("/comments/<int(max=2147483647):comment_id>/edit", methods=["POST"])
@moderator_required
def edit(comment_id: int) -> Response | tuple[str, int]:
    found = services.visible_comment(current_user, comment_id) or abort(404)
    if found.withdrawn_at is not None:  # withdrawn while the moderator was typing: no form to show
        flash("The reader withdrew this comment: it cannot be edited.")
        return redirect(url_for("moderation.comment", comment_id=found.id))
    form = EditCommentForm()
    try:
        edit_comment(current_user, found, form.body.data or "", form.reason.data or "")
    except services.CommentError as exc:
        db.session.rollback()
        form[exc.field].errors = [exc.message]
        return _comment_page(found, form, 400)
    flash(f"Comment #{found.id} edited.")
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
def blocked_words() -> str | Response | tuple[str, int]:
    form = BlockedWordsForm()
    if form.validate_on_submit():
        try:
            words = services.set_blocked_words(current_user, form.words.data or "")
        except services.CommentError as exc:
            form.words.errors = [exc.message]
            return render_template("moderation/blocked_words.html", form=form), 400
        flash(f"{len(words)} blocked word{'' if len(words) == 1 else 's'} saved.")
        return redirect(url_for("moderation.blocked_words"))
    if request.method == "GET":
        form.words.data = "\n".join(services.blocked_words())
    return render_template("moderation/blocked_words.html", form=form)
