"""Rules for campaigns: only editors and admins create or change them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cms.accounts.models import User
from cms.audit import AuditAction, record
from cms.campaigns.models import Campaign
from cms.extensions import db
from cms.permissions import Action, require
from cms.rules import RuleError
from cms.slugs import make_slug, slug_taken, unique_slug


class CampaignError(RuleError):
    """A campaign that breaks a rule; `field` names the form field to show it on."""


@dataclass
class CampaignData:
    title: str
    slug: str = ""
    description: str = ""
    attribution: str = ""
    licence_name: str = ""
    licence_url: str = ""


def save_campaign(user: User, data: CampaignData, campaign: Campaign | None = None) -> Campaign:
    """Create a campaign, or change `campaign`; the slug stays unless one is given."""
    require(user, Action.MANAGE_CAMPAIGNS)
    title = " ".join(data.title.split())
    if not title:
        raise CampaignError("title", "A title is required.")
    created = campaign is None
    campaign = campaign or Campaign(slug="")
    before = _fields(campaign)
    if data.slug.strip():
        wanted = make_slug(data.slug, fallback="campaign")
        if slug_taken(Campaign, wanted, exclude_id=campaign.id or -1):
            raise CampaignError("slug", f"The address {wanted!r} is already used by another campaign.")
        campaign.slug = wanted
    elif not campaign.slug:
        campaign.slug = unique_slug(make_slug(title, fallback="campaign"), Campaign)
    campaign.title = title
    campaign.description = data.description.strip()
    campaign.attribution = data.attribution.strip()
    campaign.licence_name = data.licence_name.strip()
    campaign.licence_url = data.licence_url.strip()
    db.session.add(campaign)
    changed = [name for name, value in _fields(campaign).items() if before[name] != value]
    if created or changed:
        record(user, AuditAction.CAMPAIGN_CREATE if created else AuditAction.CAMPAIGN_EDIT,
               subject=campaign.title, detail="" if created else "changed: " + ", ".join(changed))
    db.session.commit()
    return campaign


def _fields(campaign: Campaign) -> dict[str, str | None]:
    """What an edit may change, by the name the audit log gives it."""
    return {"title": campaign.title, "address": campaign.slug, "description": campaign.description,
            "attribution": campaign.attribution, "licence": campaign.licence_name,
            "licence link": campaign.licence_url}


def by_slug(slug: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))


def all_campaigns() -> list[Campaign]:
    """Every campaign, by title."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.title)))
