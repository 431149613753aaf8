"""`flask interviews ...`: import a transcript file as an interview, export one back."""

from __future__ import annotations

from typing import TextIO

import click
from flask.cli import AppGroup
from sqlalchemy import select

from cms.accounts import services as accounts
from cms.accounts.models import User
from cms.articles import services as pieces
from cms.campaigns.services import by_slug
from cms.extensions import db
from cms.interviews import services
from cms.languages import site_languages
from cms.links import external_url
from cms.permissions import PermissionDenied, Role

interviews = AppGroup("interviews", help="Import and export interview transcripts.")


def _author(email: str | None) -> User:
    if email:
        user = accounts.find_by_email(email)
        if user is None:
            raise click.ClickException(f"No user with the email {email}.")
        return user
    first_admin = db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )
    if first_admin is None:
        raise click.ClickException("No admin account: give the author with --author EMAIL.")
    return first_admin


@interviews.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--title", required=True, help="Title of the interview.")
@click.option("--campaign", "campaign_slug", help="Slug of the campaign it belongs to.")
@click.option("--author", "author_email",
              help="Email of the author; when omitted, the first admin account.")
@click.option("--tag", "tags", multiple=True, help="A topic tag; repeat for several.")
@click.option("--byline", "bylines", multiple=True,
              help='A person credited, "Name" or "Name (interviewer)"; repeat for several. '
              "When omitted, the author's name.")
@click.option("--language", default="en", show_default=True, help="Language code: en, ru, az…")
@click.option("--publish", "publish_now", is_flag=True, help="Publish it now (else a draft).")
def import_command(file: TextIO, title: str, campaign_slug: str | None, author_email: str | None,
                   tags: tuple[str, ...], bylines: tuple[str, ...], language: str,
                   publish_now: bool) -> None:
    """Import the transcript in FILE as a new interview."""
    author = _author(author_email)
    campaign_id = None
    if campaign_slug:
        campaign = by_slug(campaign_slug)
        if campaign is None:
            raise click.ClickException(f"No campaign with the slug {campaign_slug}.")
        campaign_id = campaign.id
    if language not in site_languages():
        raise click.ClickException(f"{language!r} is not one of the site's languages: "
                                   f"{', '.join(site_languages())} (CMS_LANGUAGES).")
    data = pieces.PieceData(title=title, body_source=file.read(), language=language,
                            campaign_id=campaign_id, topics=list(tags),
                            bylines="\n".join(" ".join(name.split()) for name in bylines))
    try:
        piece = services.create_interview(author, data)
    except services.ParseError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from exc
    except (pieces.PieceError, PermissionDenied) as exc:
        raise click.ClickException(str(exc)) from exc
    if publish_now:
        pieces.publish(piece, author)
    click.echo(f"imported: {len(piece.participants)} participants, {len(piece.turns)} turns")
    click.echo(external_url(piece.public_endpoint, slug=piece.slug))  # on CMS_BASE_URL, if set


@interviews.command("export")
@click.argument("slug")
def export_command(slug: str) -> None:
    """Print the transcript of the interview with SLUG."""
    piece = services.interview_by_slug(slug)
    if piece is None:
        raise click.ClickException(f"No interview with the slug {slug}.")
    click.echo(services.export_transcript(piece), nl=False)
