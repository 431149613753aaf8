"""The revisions of a piece on the desk: the list, a comparison of any two, "Restore", and
"Publish changes" (readers see the newest revision of a published piece from then on)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles import revisions, services
from cms.articles.desk import desk_url, editable_piece, writer_required
from cms.articles.forms import ConfirmForm
from cms.extensions import db
from cms.permissions import Action, can
from cms.rules import small_int

bp = Blueprint("revisions", __name__, url_prefix="/desk")


@bp.route("/<int:piece_id>/publish-changes", methods=["POST"])
@writer_required
def publish_changes(piece_id: int) -> Response:
    piece = editable_piece(piece_id)
    if not can(current_user, Action.PUBLISH_PIECE, piece):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        return redirect(desk_url(piece))
    speakers = {p.initials for p in getattr(piece, "participants", [])}
    try:
        services.publish_changes(piece, current_user)
    except services.PieceError as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(desk_url(piece))
    flash(f"Changes published: readers now see revision {piece.revision_number}.")
    if {p.initials for p in getattr(piece, "participants", [])} - speakers:
        flash("New speakers: please confirm who is who.")
        return redirect(url_for("interview_desk.participants", piece_id=piece.id))
    return redirect(desk_url(piece))


@bp.route("/<int:piece_id>/revisions")
@writer_required
def index(piece_id: int) -> str:
    piece = editable_piece(piece_id)
    found = revisions.revisions_of(piece)
    return render_template("desk/revisions.html", piece=piece, revisions=found,
                           pending=revisions.pending_revision(piece), confirm=ConfirmForm())


@bp.route("/<int:piece_id>/revisions/compare")
@writer_required
def compare(piece_id: int) -> str | tuple[str, int]:
    """Any two revisions, the older first whichever way they were picked."""
    piece = editable_piece(piece_id)
    numbers = [small_int(request.args.get(name)) for name in ("from", "to")]
    chosen = [revisions.revision(piece, number) if number else None for number in numbers]
    if None in chosen:
        flash("Choose two revisions of this piece to compare.")
        return render_template("desk/revisions.html", piece=piece,
                               revisions=revisions.revisions_of(piece),
                               pending=revisions.pending_revision(piece), confirm=ConfirmForm()), 400
    old, new = sorted(chosen, key=lambda found: found.number)  # type: ignore[union-attr]
    return render_template("desk/compare.html", piece=piece, old=old, new=new,
                           changes=revisions.compare(old, new))


@bp.route("/<int:piece_id>/revisions/<int:number>/restore", methods=["POST"])
@writer_required
def restore(piece_id: int, number: int) -> Response:
    piece = editable_piece(piece_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("revisions.index", piece_id=piece.id))
    try:
        copy = services.restore_revision(piece, current_user, number)
    except services.PieceError as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(url_for("revisions.index", piece_id=piece.id))
    if revisions.pending_revision(piece) is not None:
        flash(f"Revision {number} is now the current draft (revision {copy.number}). Readers see "
              "the published version until you choose “Publish changes”.")
    else:
        flash(f"Revision {number} is now the current version (revision {copy.number}).")
    return redirect(desk_url(piece))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
