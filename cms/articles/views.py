"""Public pages of pieces of every kind: home, articles, lists by tag, campaign and month,
the feeds, and the images pieces show."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    send_from_directory,
)
from flask_login import current_user
from sqlalchemy import select

from cms import pagecache
from cms.articles import crawlers, services, sharing
from cms.articles.feeds import atom_feed, piece_url
from cms.articles.images import find_image, parse_widths, upload_folder
from cms.articles.models import Article, Piece, Tag, piece_tags
from cms.campaigns.services import all_campaigns, by_slug
from cms.extensions import db
from cms.forms import requested_page
from cms.links import external_url
from cms.permissions import Action, can

bp = Blueprint("articles", __name__)


def atom_response(body: bytes) -> Response:
    return Response(body, mimetype="application/atom+xml")


def kind_label(kind: str, plural: bool = False) -> str:
    """"interview" -> "Interview" (or "Interviews"), as the kind names itself."""
    found = Piece.kind_named(kind)
    if found is None:
        return kind
    return found.plural if plural else found.label


def paged(query):  # type: ignore[no-untyped-def]
    """One page of a list of pieces, as the query string asks."""
    return db.paginate(query, page=requested_page(), per_page=current_app.config["CMS_PAGE_SIZE"],
                       error_out=False)


@bp.route("/")
def home() -> str:
    latest = db.session.scalars(services.public_pieces().limit(current_app.config["CMS_PAGE_SIZE"]))
    return render_template("home.html", pieces=list(latest), campaigns=all_campaigns())


@bp.route("/articles/<slug>")
def show(slug: str) -> str:
    piece = services.public_piece(slug, Article) or abort(404)
    return render_template(piece.template, piece=piece)


@bp.route("/tags/<slug>")
def tag(slug: str) -> str:
    found = db.session.scalar(select(Tag).where(Tag.slug == slug)) or abort(404)
    query = services.public_pieces().join(piece_tags).where(piece_tags.c.tag_id == found.id)
    if db.session.scalar(query.limit(1)) is None:
        abort(404)  # a tag only unpublished pieces carry is not there for readers
    return render_template("articles/tag.html", tag=found, pieces=paged(query))


@bp.route("/archive")
def archive() -> str:
    return render_template("articles/archive.html", months=services.archive_months())


@bp.route("/archive/<int:year>/<int:month>")
def archive_month(year: int, month: int) -> str:
    if not (1 <= month <= 12 and 1900 <= year <= 9998):  # the month after must exist too
        abort(404)
    return render_template("articles/archive_month.html", year=year, month=month,
                           pieces=paged(services.month_pieces(year, month)))


@bp.route("/feed.atom")
def feed() -> Response:
    pieces = db.session.scalars(services.public_pieces().limit(current_app.config["CMS_FEED_SIZE"]))
    return atom_response(atom_feed(
        current_app.config["CMS_SITE_NAME"],
        external_url("articles.feed"),
        external_url("articles.home"),
        pieces,
    ))


@bp.route("/campaigns/<slug>")
def campaign(slug: str) -> str:
    found = by_slug(slug) or abort(404)
    query = services.public_pieces().where(Piece.campaign_id == found.id)
    return render_template("articles/campaign.html", campaign=found, pieces=paged(query))


@bp.route("/campaigns/<slug>/feed.atom")
def campaign_feed(slug: str) -> Response:
    found = by_slug(slug) or abort(404)
    query = services.public_pieces().where(Piece.campaign_id == found.id)
    return atom_response(atom_feed(
        found.title,
        external_url("articles.campaign_feed", slug=slug),
        external_url("articles.campaign", slug=slug),
        db.session.scalars(query.limit(current_app.config["CMS_FEED_SIZE"])),
        empty_since=found.created_at,
    ))


@bp.route("/media/<path:filename>")
def media(filename: str) -> Response:
    """Uploaded images, in each of their widths: to everyone when a public piece shows them,
    else to its editors.

    A public image may stay an hour in browsers but only five minutes in shared caches (CDN,
    proxies): once its piece is unpublished it is gone from them within minutes. An image only
    editors see is never stored by any cache.
    """
    image = find_image(filename) or abort(404)
    users = db.session.scalars(select(Piece).where(Piece.image_id == image.id)).all()
    if any(piece.is_public() for piece in users):
        response = send_from_directory(upload_folder(), filename)
        response.headers["Cache-Control"] = "public, max-age=3600, s-maxage=300"
        return response
    if not any(can(current_user, Action.EDIT_PIECE, piece) for piece in users):
        abort(404)
    response = send_from_directory(upload_folder(), filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    """The blueprint, the template helpers every page of pieces uses, and the times at which
    cached pages of pieces go out of date with no commit (a piece's date or end date)."""
    parse_widths(app.config["CMS_IMAGE_WIDTHS"])  # a setting that cannot work stops the start
    app.register_blueprint(bp)
    app.register_blueprint(crawlers.bp)
    sharing.init_app(app)
    pagecache.watch_time(app, services.next_public_change)
    app.add_template_global(piece_url)
    app.add_template_filter(kind_label)
