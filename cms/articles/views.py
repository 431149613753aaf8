"""Public pages: home, articles, tags, the archive and the site feed."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from cms import forms
from cms.articles import services
from cms.articles.feeds import atom_feed
from cms.articles.images import upload_folder
from cms.articles.models import Image, Piece, PieceKind, Tag, piece_tags
from cms.extensions import db

bp = Blueprint("articles", __name__)


def page_number() -> int:
    return forms.page_number(request.args.get("page"))


def atom_response(body: bytes) -> Response:
    return Response(body, mimetype="application/atom+xml")


@bp.route("/")
def home() -> str:
    latest = db.session.scalars(services.public_pieces().limit(current_app.config["CMS_PAGE_SIZE"]))
    return render_template("home.html", pieces=list(latest), campaigns=services.campaigns())


@bp.route("/articles/<slug>")
def show(slug: str) -> str:
    piece = services.public_piece(slug, PieceKind.ARTICLE) or abort(404)
    return render_template("articles/piece.html", piece=piece)


@bp.route("/tags/<slug>")
def tag(slug: str) -> str:
    found = db.session.scalar(select(Tag).where(Tag.slug == slug)) or abort(404)
    query = services.public_pieces().join(piece_tags).where(piece_tags.c.tag_id == found.id)
    pieces = db.paginate(query, page=page_number(),
                         per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("articles/tag.html", tag=found, pieces=pieces)


@bp.route("/archive")
def archive() -> str:
    return render_template("articles/archive.html", months=services.archive_months())


@bp.route("/archive/<int:year>/<int:month>")
def archive_month(year: int, month: int) -> str:
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        abort(404)
    pieces = db.paginate(services.month_pieces(year, month), page=page_number(),
                         per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("articles/archive_month.html", year=year, month=month, pieces=pieces)


@bp.route("/feed.atom")
def feed() -> Response:
    pieces = db.session.scalars(services.public_pieces().limit(current_app.config["CMS_FEED_SIZE"]))
    return atom_response(atom_feed(
        current_app.config["CMS_SITE_NAME"],
        url_for("articles.feed", _external=True),
        url_for("articles.home", _external=True),
        pieces,
    ))


@bp.route("/media/<path:filename>")
def media(filename: str) -> Response:
    """Uploaded images: to everyone when a public piece shows them, else to its editors."""
    image = db.session.scalar(select(Image).where(Image.filename == filename)) or abort(404)
    users = db.session.scalars(select(Piece).where(Piece.image_id == image.id)).all()
    if any(piece.is_public() for piece in users):
        return send_from_directory(upload_folder(), filename, max_age=24 * 3600)
    if not any(services.can_edit(piece, current_user) for piece in users):
        abort(404)
    response = send_from_directory(upload_folder(), filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
