"""A fixture site for the mirror: public pieces in three languages (one with an image, tags,
approved comments over two pages, links in its body), an interview, a campaign whose lists run
over two pages and one with no piece yet (its empty feed must not change between builds); and
everything that must never reach a mirror: a draft with its own image, a
scheduled, an ended and a trashed piece, pending and spam comments, accounts' e-mail addresses."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image as PILImage

from cms.accounts import services as accounts
from cms.accounts.models import Role
from cms.articles import services as pieces
from cms.articles import trash
from cms.articles.images import store_image
from cms.campaigns import services as campaigns
from cms.comments import services as comments
from cms.database import utcnow
from cms.extensions import db
from cms.interviews import services as interviews
from tests.conftest import PASSWORD

BASE = "https://news.example.org"
SETTINGS = {"CMS_BASE_URL": BASE, "CMS_PAGE_SIZE": 2, "CMS_COMMENTS_PER_PAGE": 2,
            "CMS_MIRRORS": "https://mirror.example.net, https://copy.example.com/news",
            "CMS_ONION_URL": "http://exampleonionaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion"}
# Words that only unpublished things carry: none may be found anywhere in a mirror.
PRIVATE = ("DRAFT-SECRET", "SCHEDULED-SECRET", "ENDED-SECRET", "TRASHED-SECRET", "PENDING-SECRET",
           "SPAM-SECRET", "@example.org", "csrf_token", "form_token", "desk.css", "moderation.js")
TRANSCRIPT = ("An introduction to the talk.\n\nAnn Ask (AA): What changed?\n\n"
              "Bo Be (BB): Everything, and the readers stayed.")


@dataclass
class Site:
    """What the fixture site holds: slugs and ids the tests look for."""

    slugs: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    private_image: str = ""
    public_image: str = ""


def jpeg(width: int, height: int, colour: tuple[int, int, int] = (30, 90, 160)) -> io.BytesIO:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(out, format="JPEG")
    out.seek(0)
    return out


def build_site(app: Flask) -> Site:
    """The site, made through the services."""
    site = Site()
    with app.test_request_context():
        writer = accounts.create_user("writer@example.org", "Wanda Writer", Role.WRITER, PASSWORD)
        admin = accounts.create_user("admin@example.org", "Ada Admin", Role.ADMIN, PASSWORD)
        moderator = accounts.create_user("mod@example.org", "Mo Moderator", Role.MODERATOR, PASSWORD)
        campaign = campaigns.save_campaign(admin, campaigns.CampaignData(
            title="Internet rights are human rights", description="Our campaign."))
        campaigns.save_campaign(admin, campaigns.CampaignData(title="A campaign not yet begun"))
        day = utcnow() - timedelta(days=2)

        def publish(title: str, when_hours: int, **data) -> pieces.Piece:
            interview = data.pop("kind", None) == "interview"
            create = interviews.create_interview if interview else pieces.create_piece
            piece = create(writer, pieces.PieceData(title=title, **data))
            pieces.publish(piece, writer, day + timedelta(hours=when_hours))
            return piece

        russian = publish("Свобода слова в сети", 1, language="ru", body_source="Текст на русском.",
                          campaign_id=campaign.id, topics=["Censorship"])
        azeri = publish("Bakıda söz azadlığı", 2, language="az", body_source="Azərbaycan dilində mətn.",
                        campaign_id=campaign.id, countries=["Azerbaijan"])
        image = store_image(jpeg(1200, 800), alt_text="Readers at a blocked café", credit="Photo desk")
        lead = publish(
            "Why blocking fails", 3, standfirst="Blocked sites keep their readers.",
            body_source=(f"See [the Russian piece](/articles/{russian.slug}), "
                         f"[the Azerbaijani one]({azeri.slug}) and [a report](https://example.net/report)."
                         "[^1]\n\n[^1]: A note."),
            campaign_id=campaign.id, topics=["Censorship"], countries=["Azerbaijan"], image=image)
        talk = publish("Editors under blocking", 4, kind="interview", body_source=TRANSCRIPT,
                       campaign_id=campaign.id, topics=["Censorship"])
        hidden_image = store_image(jpeg(900, 600, (200, 30, 30)), alt_text="DRAFT-SECRET photo")
        draft = pieces.create_piece(writer, pieces.PieceData(title="DRAFT-SECRET plans", image=hidden_image,
                                                             topics=["DRAFT-SECRET topic"]))
        scheduled = pieces.create_piece(writer, pieces.PieceData(title="SCHEDULED-SECRET news"))
        pieces.publish(scheduled, writer, utcnow() + timedelta(days=3))
        ended = publish("ENDED-SECRET story", 0)
        ended.unpublish_at = utcnow() - timedelta(hours=1)
        trashed = publish("TRASHED-SECRET story", 0)
        trash.trash_piece(trashed, writer)
        db.session.commit()

        approved = []
        for number in range(1, 4):
            comment = comments.post_comment(lead, f"Reader {number}", f"reader{number}@example.org",
                                            f"Approved comment {number}.")
            approved.append(comment.id)
        comments.moderate(moderator, approved, "approve")
        comments.post_comment(lead, "Waiting reader", "", "PENDING-SECRET words.")
        spam = comments.post_comment(lead, "Spammer", "", "SPAM-SECRET offer.")
        comments.moderate(moderator, [spam.id], "spam")

        site.slugs = {"lead": lead.slug, "russian": russian.slug, "azeri": azeri.slug, "talk": talk.slug,
                      "campaign": campaign.slug, "draft": draft.slug}
        site.ids = {"lead": lead.id, "russian": russian.id, "talk": talk.id}
        site.public_image, site.private_image = image.filename, hidden_image.filename
        db.session.remove()
    return site


@pytest.fixture
def site(app: Flask) -> Site:
    return build_site(app)


def build_mirror(app: Flask, out: Path, *extra: str) -> str:
    """`flask --app cms mirror build OUT`, as typed; what it printed."""
    result = app.test_cli_runner().invoke(args=["mirror", "build", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output
