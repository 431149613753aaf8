"""`flask pieces rerender`: the stored HTML of every piece made again from its source;
`flask trash purge`: pieces deleted long enough ago, deleted for good; `flask translations
status`: per language, how much of the site is translated; `flask images rebuild`: every
stored image in the widths CMS_IMAGE_WIDTHS asks for."""

from __future__ import annotations

from collections import Counter

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from cms.articles.images import rebuild_widths
from cms.articles.models import Image, Piece
from cms.articles.translations import translation_status
from cms.articles.trash import purge_trash, purge_unsaved_uploads
from cms.extensions import db
from cms.languages import language_name

pieces = AppGroup("pieces", help="Work on the stored pieces of every kind.")


@pieces.command("rerender")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(min=1),
              help="Pieces rendered per transaction.")
def rerender_command(batch: int) -> None:
    """Render every piece (drafts too) again from its source, after the renderer changed.

    Dates and authors stay as they are; the search index and the page cache follow the
    commits as they do for any save.
    """
    ids = db.session.scalars(select(Piece.id).order_by(Piece.id)).all()
    done: Counter[type[Piece]] = Counter()
    for start in range(0, len(ids), batch):
        chunk = db.session.scalars(select(Piece).where(Piece.id.in_(ids[start:start + batch]))).all()
        for piece in chunk:
            piece.render_body()
            flag_modified(piece, "updated_at")  # written as it was: not an edit for feeds
            done[type(piece)] += 1
        db.session.commit()
        db.session.expunge_all()  # a big archive is not held in memory
    kinds = sorted({*Piece.__subclasses__(), *done}, key=lambda kind: kind.noun)
    counts = ", ".join(f"{done[kind]} {kind.plural.lower()}" for kind in kinds)
    click.echo(f"rerendered: {counts}")


trash = AppGroup("trash", help="Pieces deleted from the desk, kept CMS_TRASH_DAYS.")


@trash.command("purge")
def purge_command() -> None:
    """Delete for good the pieces in the trash for more than CMS_TRASH_DAYS (run it daily),
    with their comments, moderation history, tag links and unshared images; and images
    uploaded more than a day ago that no piece was ever saved with."""
    click.echo(f"purged: {purge_trash()} pieces from the trash")
    click.echo(f"deleted: {purge_unsaved_uploads()} images never saved with a piece")


translations = AppGroup("translations", help="One story in several languages.")


@translations.command("status")
def status_command() -> None:
    """Per language of the site: public pieces, how many are translations, how many of those
    are outdated, and how many public originals have no version in it yet."""
    rows = translation_status()
    click.echo(f"{'language':<20} {'pieces':>7} {'translated':>11} {'outdated':>9} {'missing':>8}")
    for row in rows:
        name = f"{language_name(row.language)} ({row.language})"
        click.echo(f"{name:<20} {row.pieces:>7} {row.translated:>11} {row.outdated:>9} {row.missing:>8}")


images = AppGroup("images", help="Work on the stored lead images.")


@images.command("rebuild")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1),
              help="Images done per transaction.")
def rebuild_command(batch: int) -> None:
    """Store every image in each width of CMS_IMAGE_WIDTHS narrower than it (images uploaded
    before widths existed, or after the setting changed); images that have them are left as
    they are, and one whose file is missing is named."""
    ids = db.session.scalars(select(Image.id).order_by(Image.id)).all()
    made = kept = 0
    for start in range(0, len(ids), batch):
        for image in db.session.scalars(select(Image).where(Image.id.in_(ids[start:start + batch]))):
            try:
                changed = rebuild_widths(image)
            except FileNotFoundError:
                click.echo(f"missing file: {image.filename} (image {image.id})", err=True)
                continue
            made, kept = made + changed, kept + (not changed)
        db.session.commit()
        db.session.expunge_all()
    click.echo(f"images: {made} given their widths, {kept} already had them")
