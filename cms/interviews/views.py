"""Public interview pages: the listing and one interview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from cms.articles.models import Piece
from cms.extensions import db
from cms.forms import requested_page
from cms.i18n import list_language, list_route, speak
from cms.interviews import services

bp = Blueprint("interviews", __name__)


@list_route(bp, "/interviews")
def index() -> str:
    query = services.public_interviews()
    if list_language():
        query = query.where(Piece.language == list_language())
    pieces = db.paginate(query, page=requested_page(),
                         per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("interviews/index.html", pieces=pieces)


@bp.route("/interviews/<slug>")
def show(slug: str) -> str:
    piece = services.public_interview(slug) or abort(404)
    speak(piece.language)
    return render_template(piece.template, piece=piece)
