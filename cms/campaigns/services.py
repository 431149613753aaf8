"""Rules for campaigns: only editors and admins create or change them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cms.accounts.models import User
from cms.articles.services import PermissionDenied, PieceError, make_slug, unique_slug
from cms.campaigns.models import Campaign
from cms.extensions import db


@dataclass
class CampaignData:
    title: str
    slug: str = ""
    description: str = ""
    attribution: str = ""
    licence_name: str = ""
    licence_url: str = ""


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.active and user.can_edit_all


def save_campaign(user: User, data: CampaignData, campaign: Campaign | None = None) -> Campaign:
    """Create a campaign, or change `campaign`; the slug stays unless one is given."""
    if not can_manage(user):
        raise PermissionDenied("only editors and admins manage campaigns")
    title = " ".join(data.title.split())
    if not title:
        raise PieceError("title", "A title is required.")
    campaign = campaign or Campaign(slug="")
    if data.slug.strip():
        wanted = make_slug(data.slug)
        taken = db.session.scalar(
            select(Campaign.id).where(Campaign.slug == wanted, Campaign.id != (campaign.id or -1))
        )
        if taken is not None:
            raise PieceError("slug", f"The address {wanted!r} is already used by another campaign.")
        campaign.slug = wanted
    elif not campaign.slug:
        campaign.slug = unique_slug(make_slug(title), Campaign)
    campaign.title = title
    campaign.description = data.description.strip()
    campaign.attribution = data.attribution.strip()
    campaign.licence_name = data.licence_name.strip()
    campaign.licence_url = data.licence_url.strip()
    db.session.add(campaign)
    db.session.commit()
    return campaign


def by_slug(slug: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))
