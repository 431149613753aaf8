"""Readers' side of comments: the section under every piece, replying and posting."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import ValidationError

from cms.articles.models import Piece
from cms.comments import ratelimit, services, tokens
from cms.comments.forms import COMMENT_HELP, CommentForm
from cms.comments.models import Comment
from cms.extensions import csrf, db
from cms.forms import page_number
from cms.i18n import speak
from cms.rules import small_int

bp = Blueprint("comments", __name__, url_prefix="/comments")

THANKS = _l("Thank you. Your comment will appear once a moderator has approved it.")
KEPT = _l("Your comment is kept below: please send it again.")
FAILED = _l("Your comment could not be saved: the fault is ours.")
NOT_OURS = _l("The form had expired or was not sent from this site.")


def _public_piece(piece_id: int) -> Piece:
    piece = db.session.get(Piece, piece_id)
    if piece is None or not piece.is_public():
        abort(404)
    speak(piece.language)  # the form and its messages in the piece's language
    return piece


def _blank_form(piece: Piece, reply_to: Comment | None = None) -> CommentForm:
    form = CommentForm(formdata=None)
    form.reply_to.data = str(reply_to.id) if reply_to else ""
    _sign(form, piece)
    return form


def _sign(form: CommentForm, piece: Piece, served_at: int | None = None) -> None:
    """Anonymous forms carry the page's token; logged-in users' forms their session's CSRF token.
    A form sent back for another try keeps the time its reader first got it (`served_at`)."""
    form.website.data = ""
    form.form_token.data = ("" if current_user.is_authenticated
                            else tokens.make_token(piece.id, served_at))


def comment_section(piece: Piece) -> Markup:
    """The approved comments under a piece and the way to write one (template global, so
    articles need not import comments). The form itself is a step of its own ("Write a
    comment"): the page stays the same for every reader and cacheable, and the form's token
    says when this reader got it."""
    shown = services.approved_page(piece, page_number(request.args.get("comments")),
                                   current_app.config["CMS_COMMENTS_PER_PAGE"])
    return Markup(render_template("comments/_section.html", piece=piece, threads=shown.threads,
                                  count=shown.count, shown=shown, closed=services.closed_reason(piece)))


def _form_page(piece: Piece, form: CommentForm, parent: Comment | None, error: str | None = None,
               status: int = 200, served_at: int | None = None) -> tuple[str, int]:
    """The form, with what the reader typed when it comes back refused."""
    _sign(form, piece, served_at)
    html = render_template("comments/post.html", piece=piece, form=form, parent=parent,
                           error=error, closed=services.closed_reason(piece),
                           help_lines=[str(line) for line in COMMENT_HELP])  # escaped as text
    return html, status


def _no_store(result: tuple[str, int]) -> Response:
    response = current_app.make_response(result)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int(max=2147483647):piece_id>/write")
def write(piece_id: int) -> Response:
    """The comment form, never cached: its token carries the time this reader got it."""
    piece = _public_piece(piece_id)
    return _no_store(_form_page(piece, _blank_form(piece), None))


@bp.route("/<int(max=2147483647):piece_id>/reply/<int(max=2147483647):comment_id>")
def reply(piece_id: int, comment_id: int) -> Response:
    piece = _public_piece(piece_id)
    parent = services.approved_comment(piece, comment_id) or abort(404)
    return _no_store(_form_page(piece, _blank_form(piece, parent), parent))


def _security_error(form: CommentForm, piece: Piece) -> tuple[str | None, tokens.FormToken | None]:
    """(why the form is refused, or None; the anonymous form's token, when it has one)."""
    if current_user.is_authenticated:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.form.get("csrf_token"))
            except ValidationError:
                return str(NOT_OURS), None
        return None, None
    try:
        return None, tokens.read_token(form.form_token.data, piece.id)
    except tokens.FormTokenError as exc:
        return tokens.refusal_message(exc), None


def _trap(form: CommentForm, token: tokens.FormToken | None) -> str:
    """Why the form looks sent by a bot ("honeypot": the hidden field filled; "too fast": sent
    back sooner than CMS_COMMENT_MIN_SECONDS after it was served), or "" when it does not."""
    if form.website.data:
        return "honeypot"
    if token is not None and (tokens.seconds_since_served(token)
                              < current_app.config["CMS_COMMENT_MIN_SECONDS"]):
        return "too fast"
    return ""


def _refused_served_at(form: CommentForm, piece: Piece, token: tokens.FormToken | None) -> int | None:
    """The time a form sent back to be tried again says its reader got it: the first time, or
    for an expired or spent form of ours long enough ago not to count as "too fast" (a reader
    who presses Send again at once is no bot). A form we never signed gets a fresh time."""
    if token is not None:
        return token.served_at
    if not current_user.is_authenticated and tokens.ours(form.form_token.data, piece.id):
        return int(tokens.clock()) - int(current_app.config["CMS_COMMENT_MIN_SECONDS"])
    return None


@bp.route("/<int(max=2147483647):piece_id>", methods=["POST"])
@csrf.exempt  # checked below: the form token (anonymous) or the session's CSRF token
def post(piece_id: int) -> Response:
    """Read the form, check its token and fields, count it against the limits, save it; a
    refused comment comes back in the form with what the reader typed."""
    piece = _public_piece(piece_id)
    form = CommentForm()
    reply_to = (form.reply_to.data or "").strip()
    parent_id = (small_int(reply_to) or 0) if reply_to else None  # 0: a reply to nothing we know
    parent = services.approved_comment(piece, parent_id) if parent_id else None
    error, token = _security_error(form, piece)
    served_at = _refused_served_at(form, piece, token)
    if error:
        return _no_store(_form_page(piece, form, parent, f"{error} {KEPT}", 400, served_at))
    if not form.validate():
        return _no_store(_form_page(piece, form, parent, status=400, served_at=served_at))
    # Only a form that would be saved counts: refused requests cannot use up a piece's limit.
    try:
        ratelimit.check(request.remote_addr, piece.id)
    except ratelimit.RateLimited as exc:
        response = _no_store(_form_page(piece, form, parent, f"{exc} {KEPT}", 429, served_at))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    held = _trap(form, token)
    if token is not None:
        try:
            tokens.spend(token)
        except tokens.FormTokenError as exc:
            return _no_store(_form_page(piece, form, parent, f"{tokens.refusal_message(exc)} {KEPT}", 400,
                                        served_at))
    try:
        comment = services.post_comment(piece, form.name.data or "", form.email.data or "",
                                        form.body.data or "", parent_id, held=held,
                                        client=ratelimit.client(request.remote_addr))
    except services.AlreadySent as exc:
        return _no_store(_form_page(piece, form, parent, exc.message, 400, served_at))
    except services.CommentError as exc:
        getattr(form, exc.field, form.body).errors.append(exc.message)  # type: ignore[union-attr]
        return _no_store(_form_page(piece, form, parent, status=400, served_at=served_at))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("comments: a comment could not be saved")
        return _no_store(_form_page(piece, form, parent, f"{FAILED} {KEPT}", 500, served_at))
    withdraw = url_for("comment_withdrawal.withdraw", key=comment.withdraw_key,  # type: ignore[attr-defined]
                       _external=False)
    return _no_store((render_template("comments/thanks.html", piece=piece, comment=comment,
                                      message=THANKS, withdraw=withdraw), 200))


def init_app(app: Flask) -> None:
    """The blueprint and the `comment_section` template global."""
    app.register_blueprint(bp)
    app.add_template_global(comment_section)
