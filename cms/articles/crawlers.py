"""What crawlers and browsers ask of every site: /sitemap.xml (public pieces only),
/robots.txt (keeps them out of the desk, moderation and search), /favicon.ico and the
apple-touch-icon, served from our own files."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, send_from_directory
from sqlalchemy import select

from cms.articles.feeds import piece_url
from cms.articles.models import Piece
from cms.extensions import db
from cms.links import external_url

bp = Blueprint("crawlers", __name__)

# The sitemap protocol's limit for one file; a site with more lists its newest pieces.
SITEMAP_LIMIT = 50_000
# Pages no crawler should fetch: unpublished work, accounts, forms, and search results (each
# query its own page, and what readers search for is theirs).
DISALLOWED = ("/desk", "/moderation", "/search", "/comments/", "/login", "/account", "/reset")
# The icons' addresses are fixed (browsers ask for them by name), so they are kept a week.
ICON_CACHE = "public, max-age=604800"


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every public piece with the time it last changed, newest first."""
    rows = db.session.execute(
        select(Piece.kind, Piece.slug, Piece.updated_at, Piece.published_at)
        .where(Piece.public_filter()).order_by(Piece.published_at.desc(), Piece.id.desc())
        .limit(SITEMAP_LIMIT))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for row in rows:
        changed = max(row.updated_at, row.published_at)
        lines.append(f"<url><loc>{escape(piece_url(row, external=True))}</loc>"
                     f"<lastmod>{changed:%Y-%m-%dT%H:%M:%S}+00:00</lastmod></url>")
    lines.append("</urlset>\n")
    return Response("\n".join(lines), mimetype="application/xml")


@bp.route("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED),
             f"Sitemap: {external_url('crawlers.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


def _icon(filename: str) -> Response:
    response = send_from_directory(current_app.static_folder or "static", filename)
    response.headers["Cache-Control"] = ICON_CACHE
    return response


@bp.route("/favicon.ico")
def favicon() -> Response:
    return _icon("favicon.ico")


@bp.route("/apple-touch-icon.png")
def touch_icon() -> Response:
    """Asked for by this name by phones adding the site to a home screen: pages need no link."""
    return _icon("apple-touch-icon.png")
