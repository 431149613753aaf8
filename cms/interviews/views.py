"""Public interview pages: the listing and one interview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from cms.extensions import db
from cms.forms import requested_page
from cms.interviews import services

bp = Blueprint("interviews", __name__, url_prefix="/interviews")


@bp.route("")
def index() -> str:
    pieces = db.paginate(services.public_interviews(), page=requested_page(),
                         per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("interviews/index.html", pieces=pieces)


@bp.route("/<slug>")
def show(slug: str) -> str:
    piece = services.public_interview(slug) or abort(404)
    return render_template(piece.template, piece=piece)
