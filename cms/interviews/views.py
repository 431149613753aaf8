"""Public interview pages: the listing and one interview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from cms.articles.views import page_number
from cms.extensions import db
from cms.interviews import services

bp = Blueprint("interviews", __name__, url_prefix="/interviews")

MAX_PAGE = 100_000


@bp.route("")
def index() -> str:
    page = min(page_number(), MAX_PAGE)  # a huge page number would overflow the OFFSET
    pieces = db.paginate(services.public_interviews(), page=page,
                         per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("interviews/index.html", pieces=pieces)


@bp.route("/<slug>")
def show(slug: str) -> str:
    piece = services.public_interview(slug) or abort(404)
    return render_template("interviews/piece.html", piece=piece)
