"""Translating on the desk: "Translate" starts a draft in another language from the original."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles import services, translations
from cms.articles.desk import desk_url, writer_required
from cms.articles.forms import ConfirmForm
from cms.articles.models import Piece
from cms.extensions import db
from cms.languages import language_name
from cms.permissions import Action, can

bp = Blueprint("translations", __name__, url_prefix="/desk")


@bp.route("/<int:piece_id>/translate", methods=["POST"])
@writer_required
def translate(piece_id: int) -> Response:
    """Any writer may translate a piece they may see; the draft is theirs."""
    piece = db.session.get(Piece, piece_id)
    if piece is None or piece.trashed_at is not None or not can(current_user, Action.SEE_PIECE, piece):
        abort(404)
    back = desk_url(piece) if can(current_user, Action.EDIT_PIECE, piece) else url_for("desk.index")
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    language = request.form.get("language", "")
    try:
        draft = translations.translate(piece, current_user, language)
    except services.PieceError as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(back)
    flash(f"A draft in {language_name(language)}: translate the text, then publish it.")
    return redirect(desk_url(draft))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
