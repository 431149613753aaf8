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
from cms.articles import crawlers, services, sharing, translations
from cms.articles.credits import contributor_pieces, public_contributor
from cms.articles.feeds import atom_feed, piece_url
from cms.articles.images import find_image, parse_widths, upload_folder
from cms.articles.models import Article, Piece, Revision, Tag, piece_tags
from cms.campaigns.services import all_campaigns, by_slug
from cms.extensions import db
from cms.forms import requested_page
from cms.i18n import list_language, list_route, speak
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


def in_language(query):  # type: ignore[no-untyped-def]
    """A list of pieces restricted to the language its address names (/ru/...), if any."""
    language = list_language()
    return query.where(Piece.language == language) if language else query


def paged(query):  # type: ignore[no-untyped-def]
    """One page of a list of pieces, as the query string asks."""
    return db.paginate(query, page=requested_page(), per_page=current_app.config["CMS_PAGE_SIZE"],
                       error_out=False)


@list_route(bp, "/")
def home() -> str:
    """The latest pieces: in every language, or in the one the address names (/ru/)."""
    latest = db.session.scalars(in_language(services.public_pieces())
                                .limit(current_app.config["CMS_PAGE_SIZE"]))
    return render_template("home.html", pieces=list(latest), campaigns=all_campaigns())


@bp.route("/articles/<slug>")
def show(slug: str) -> str:
    piece = services.public_piece(slug, Article) or abort(404)
    speak(piece.language)
    return render_template(piece.template, piece=piece)


@list_route(bp, "/tags/<slug>")
def tag(slug: str) -> str:
    found = db.session.scalar(select(Tag).where(Tag.slug == slug)) or abort(404)
    query = services.public_pieces().join(piece_tags).where(piece_tags.c.tag_id == found.id)
    if db.session.scalar(query.limit(1)) is None:
        abort(404)  # a tag only unpublished pieces carry is not there for readers
    return render_template("articles/tag.html", tag=found, pieces=paged(in_language(query)))


@list_route(bp, "/contributors/<slug>")
def contributor(slug: str) -> str:
    """A credited person: name, short bio, link, and the public pieces that credit them."""
    found = public_contributor(slug) or abort(404)  # nobody only unpublished pieces credit
    return render_template("articles/contributor.html", contributor=found,
                           pieces=paged(in_language(contributor_pieces(found))))


@list_route(bp, "/archive")
def archive() -> str:
    return render_template("articles/archive.html", months=services.archive_months(list_language()))


@list_route(bp, "/archive/<int:year>/<int:month>")
def archive_month(year: int, month: int) -> str:
    if not (1 <= month <= 12 and 1900 <= year <= 9998):  # the month after must exist too
        abort(404)
    return render_template("articles/archive_month.html", year=year, month=month,
                           pieces=paged(in_language(services.month_pieces(year, month))))


@list_route(bp, "/feed.atom")
def feed() -> Response:
    """The newest pieces as Atom: every language, or one (/ru/feed.atom)."""
    pieces = db.session.scalars(in_language(services.public_pieces())
                                .limit(current_app.config["CMS_FEED_SIZE"]))
    return atom_response(atom_feed(
        current_app.config["CMS_SITE_NAME"],
        external_url("articles.feed"),
        external_url("articles.home"),
        pieces,
    ))


@list_route(bp, "/campaigns/<slug>")
def campaign(slug: str) -> str:
    found = by_slug(slug) or abort(404)
    query = in_language(services.public_pieces()).where(Piece.campaign_id == found.id)
    return render_template("articles/campaign.html", campaign=found, pieces=paged(query))


@list_route(bp, "/campaigns/<slug>/feed.atom")
def campaign_feed(slug: str) -> Response:
    found = by_slug(slug) or abort(404)
    query = in_language(services.public_pieces()).where(Piece.campaign_id == found.id)
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
    drafts = db.session.scalars(select(Piece).where(  # a revision's image, not yet published
        Piece.id.in_(select(Revision.piece_id).where(Revision.image_id == image.id)))).all()
    if not any(can(current_user, Action.EDIT_PIECE, piece) for piece in (*users, *drafts)):
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
    app.add_template_global(translations.public_siblings, "other_versions")
    app.add_template_global(translations.is_outdated)
    app.add_template_filter(kind_label)
