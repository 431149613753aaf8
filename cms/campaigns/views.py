"""The campaign desk at /desk/campaigns/: editors and admins list, create and change campaigns.

Readers' campaign pages list pieces, so they live with the other lists of pieces.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.campaigns import services
from cms.campaigns.forms import CampaignForm
from cms.campaigns.models import Campaign
from cms.extensions import db
from cms.permissions import Action, permission_required

bp = Blueprint("campaigns", __name__, url_prefix="/desk/campaigns")


@bp.route("/")
@permission_required(Action.MANAGE_CAMPAIGNS)
def index() -> str:
    return render_template("campaigns/index.html", campaigns=services.all_campaigns())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@permission_required(Action.MANAGE_CAMPAIGNS)
def edit(campaign_id: int | None = None) -> str | Response:
    campaign = None
    if campaign_id is not None:
        campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = CampaignForm(obj=campaign if request.method == "GET" else None)
    if form.validate_on_submit():
        data = services.CampaignData(
            title=form.title.data or "", slug=form.slug.data or "",
            description=form.description.data or "", attribution=form.attribution.data or "",
            licence_name=form.licence_name.data or "", licence_url=form.licence_url.data or "",
        )
        try:
            saved = services.save_campaign(current_user, data, campaign)
        except services.CampaignError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash("Campaign saved.")  # and shown as readers see it, with its pieces
            return redirect(url_for("articles.campaign", slug=saved.slug))
    return render_template("campaigns/edit.html", form=form, campaign=campaign)
