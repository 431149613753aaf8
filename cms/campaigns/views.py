"""Campaign pages and feeds."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, url_for

from cms.articles import services as pieces
from cms.articles.feeds import atom_feed
from cms.articles.models import Piece
from cms.articles.views import atom_response, page_number
from cms.campaigns.services import by_slug
from cms.extensions import db

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.route("/<slug>")
def show(slug: str) -> str:
    campaign = by_slug(slug) or abort(404)
    query = pieces.public_pieces().where(Piece.campaign_id == campaign.id)
    page = db.paginate(query, page=page_number(),
                       per_page=current_app.config["CMS_PAGE_SIZE"], error_out=False)
    return render_template("campaigns/campaign.html", campaign=campaign, pieces=page)


@bp.route("/<slug>/feed.atom")
def feed(slug: str) -> Response:
    campaign = by_slug(slug) or abort(404)
    query = pieces.public_pieces().where(Piece.campaign_id == campaign.id)
    return atom_response(atom_feed(
        campaign.title,
        url_for("campaigns.feed", slug=slug, _external=True),
        url_for("campaigns.show", slug=slug, _external=True),
        db.session.scalars(query.limit(current_app.config["CMS_FEED_SIZE"])),
    ))
