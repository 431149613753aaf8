"""Rules for pieces of every kind: how they are saved, published and found.

Who may do what is asked of cms.permissions; what differs between kinds (rendering,
checking the source) is asked of the piece's own class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, extract, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from cms.accounts.models import User
from cms.articles.images import remove_image_file
from cms.articles.models import Article, Image, Piece, PieceStatus, Tag, TagKind
from cms.audit import AuditAction, record
from cms.campaigns.models import Campaign
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, PermissionDenied, can, require
from cms.rules import RuleError, accepted_text, clean_name
from cms.slugs import make_slug, unique_slug

__all__ = ["PermissionDenied", "PieceData", "PieceError"]


class PieceError(RuleError):
    """A piece that breaks a rule; `field` names the form field to show it on."""


@dataclass
class PieceData:
    """What a writer sets on a piece, from the desk form or the command line."""

    title: str
    body_source: str = ""
    standfirst: str = ""
    slug: str = ""
    language: str = "en"
    campaign_id: int | None = None
    topics: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    comments_open: bool = True
    image: Image | None = None
    remove_image: bool = False


# --- Slugs and tags --------------------------------------------------------------------------


def _slug_for(piece: Piece, data: PieceData) -> str:
    if data.slug.strip():
        # A taken address gets the next free one, as a new title does: saying it is taken
        # would tell a writer that someone's unpublished draft sits there.
        return unique_slug(make_slug(data.slug), Piece, exclude_id=piece.id)
    if piece.slug:
        return piece.slug  # keep the address readers may have linked to
    return unique_slug(make_slug(data.title), Piece, exclude_id=piece.id)


def get_or_create_tags(names: list[str], kind: TagKind) -> list[Tag]:
    """Tags by name, created when new; the same name is the same tag."""
    tags: list[Tag] = []
    for raw in names:
        name = clean_name(raw)[:100]
        if not name:
            continue
        slug = make_slug(name)
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(kind=kind, name=name, slug=slug)
            db.session.add(tag)
            db.session.flush()
        if tag not in tags:
            tags.append(tag)
    return tags


# --- Saving and publishing -------------------------------------------------------------------


def _apply(piece: Piece, data: PieceData) -> None:
    title = " ".join(accepted_text(data.title).split())  # the CLI is no form: clean here too
    if not title:
        raise PieceError("title", "A title is required.")
    if data.campaign_id is not None and db.session.get(Campaign, data.campaign_id) is None:
        raise PieceError("campaign_id", "That campaign does not exist.")
    piece.title = title
    piece.slug = _slug_for(piece, data)
    piece.standfirst = accepted_text(data.standfirst).strip()
    piece.body_source = accepted_text(data.body_source)
    piece.language = data.language.strip() or "en"
    piece.campaign_id = data.campaign_id
    piece.comments_open = data.comments_open
    piece.tags = get_or_create_tags(data.topics, TagKind.TOPIC) + get_or_create_tags(
        data.countries, TagKind.COUNTRY
    )
    previous = piece.image
    if data.image is not None:
        piece.image = data.image
    elif data.remove_image:
        piece.image = None
    if previous is not None and previous is not piece.image:
        discard_image_if_unused(previous, piece)


def check_body_size(source: str) -> None:
    """Bodies longer than CMS_BODY_MAX_CHARS are refused before anything reads them."""
    limit = current_app.config["CMS_BODY_MAX_CHARS"]
    if len(source) > limit:
        raise PieceError("body_source", f"This text is {len(source):,} characters long; the limit "
                         f"is {limit:,}. Shorten it, or split it into two pieces.")


def create_piece(author: User, data: PieceData, kind: type[Piece] = Article) -> Piece:
    """A new draft of `kind` by `author`, body rendered, committed once; nothing is saved when
    the source cannot be read (the kind's error) or the piece breaks a rule (PieceError)."""
    require(author, Action.WRITE)
    check_body_size(data.body_source)
    kind.check_source(data.body_source)
    piece = kind(author=author, status=PieceStatus.DRAFT, slug="")
    with db.session.no_autoflush:
        _apply(piece, data)
    db.session.add(piece)
    piece.render_body()
    db.session.commit()
    return piece


def update_piece(piece: Piece, user: User, data: PieceData) -> Piece:
    """Save changed fields and body; the piece renders its own body before the one commit."""
    require(user, Action.EDIT_PIECE, piece)
    check_body_size(data.body_source)
    type(piece).check_source(data.body_source)
    with db.session.no_autoflush:
        _apply(piece, data)
    piece.render_body()
    piece.updated_at = utcnow()
    db.session.commit()
    return piece


def check_end_date(published_at: datetime, until: datetime | None,
                   now: datetime | None = None) -> None:
    """An end date, if any, comes after the publication date and has not passed yet."""
    if until is None:
        return
    if until <= (now or utcnow()):
        raise PieceError("unpublish_at", "The end date has passed: unpublish the piece instead.")
    if until <= published_at:
        raise PieceError("unpublish_at", "The end date must come after the publication date.")


def publish(piece: Piece, user: User, at: datetime | None = None,
            until: datetime | None = None) -> Piece:
    """Publish now, or at `at` (UTC) when that lies in the future: a scheduled piece; readers
    see it until `until` (UTC), its end date, when given (None: no end date)."""
    require(user, Action.EDIT_PIECE, piece)
    now = utcnow()
    if at is None:  # keep a date that has passed (republishing), else now
        at = piece.published_at if piece.published_at is not None and piece.published_at <= now else now
    check_end_date(at, until, now)
    piece.status = PieceStatus.PUBLISHED
    piece.published_at = at
    piece.unpublish_at = until
    piece.updated_at = utcnow()
    scheduled = f"scheduled for {at:%Y-%m-%d %H:%M} UTC" if at > now else ""
    ends = f"until {until:%Y-%m-%d %H:%M} UTC" if until is not None else ""
    record(user, AuditAction.PUBLISH, piece=piece, detail=" ".join(filter(None, (scheduled, ends))))
    db.session.commit()
    return piece


def unpublish(piece: Piece, user: User) -> Piece:
    """Take a piece off every public page and feed; its date is kept for republishing."""
    require(user, Action.EDIT_PIECE, piece)
    piece.status = PieceStatus.UNPUBLISHED
    piece.updated_at = utcnow()
    record(user, AuditAction.UNPUBLISH, piece=piece)
    db.session.commit()
    return piece


# --- The trash ------------------------------------------------------------------------------


def trash_piece(piece: Piece, user: User) -> Piece:
    """Delete as writers see it: the piece leaves every public page, feed, the index and the
    desk list, and waits in the trash CMS_TRASH_DAYS with its comments, history and slug."""
    require(user, Action.EDIT_PIECE, piece)
    piece.trashed_at = utcnow()
    piece.trashed_by_id = user.id
    flag_modified(piece, "updated_at")  # not an edit: restored, it is as it was
    record(user, AuditAction.TRASH, piece=piece)
    db.session.commit()
    return piece


def trash_expiry(piece: Piece) -> datetime | None:
    """When a trashed piece can no longer be restored (and `trash purge` deletes it)."""
    if piece.trashed_at is None:
        return None
    return piece.trashed_at + timedelta(days=current_app.config["CMS_TRASH_DAYS"])


def restore_piece(piece: Piece, user: User, now: datetime | None = None) -> Piece:
    """Take a piece out of the trash in the state it had (published stays published, if its
    date says so); editors and admins only, within CMS_TRASH_DAYS."""
    require(user, Action.EDIT_ANY_PIECE)
    expiry = trash_expiry(piece)
    if expiry is None:
        raise PieceError("trash", f"“{piece.title}” is not in the trash.")
    if expiry <= (now or utcnow()):
        days = current_app.config["CMS_TRASH_DAYS"]
        raise PieceError("trash", f"“{piece.title}” has been in the trash for more than {days} "
                         "days: it can no longer be restored, and the next purge deletes it.")
    piece.trashed_at = None
    piece.trashed_by_id = None
    flag_modified(piece, "updated_at")
    record(user, AuditAction.RESTORE, piece=piece)
    db.session.commit()
    return piece


def trashed_pieces(user: User) -> Select[tuple[Piece]]:
    """The trash a user sees: their own pieces in it, or every one for editors and admins,
    the most recently trashed first."""
    query = (select(Piece).where(Piece.trashed_at.is_not(None))
             .options(selectinload(Piece.trashed_by))
             .order_by(Piece.trashed_at.desc(), Piece.id.desc()))
    if not can(user, Action.EDIT_ANY_PIECE):
        query = query.where(Piece.author_id == user.id)
    return query


def purge_trash(now: datetime | None = None) -> int:
    """Delete for good the pieces trashed more than CMS_TRASH_DAYS ago; how many."""
    limit = (now or utcnow()) - timedelta(days=current_app.config["CMS_TRASH_DAYS"])
    ids = db.session.scalars(select(Piece.id).where(Piece.trashed_at <= limit)
                             .order_by(Piece.id)).all()
    for piece_id in ids:
        piece = db.session.get(Piece, piece_id)
        if piece is not None:
            _delete_for_good(piece)
    return len(ids)


def _delete_for_good(piece: Piece) -> None:
    """The row and what hangs on it: comments and their events, tag links and an interview's
    parts by ON DELETE CASCADE; its image when no other piece shows it."""
    if piece.image is not None:
        discard_image_if_unused(piece.image, piece)
    record(None, AuditAction.PURGE, piece=piece,
           detail=f"in the trash since {piece.trashed_at:%Y-%m-%d}" if piece.trashed_at else "")
    db.session.delete(piece)
    db.session.commit()


def discard_image_if_unused(image: Image, leaving: Piece) -> None:
    """An image no other piece shows is deleted, row and file: a photo of a person must not
    stay reachable at its address after the piece that showed it is gone."""
    others = db.session.scalar(
        select(func.count(Piece.id)).where(Piece.image_id == image.id, Piece.id != leaving.id))
    if not others:
        remove_image_file(image.filename)
        db.session.delete(image)


# --- Reading ---------------------------------------------------------------------------------


def public_pieces(now: datetime | None = None, kind: type[Piece] = Piece) -> Select[tuple[Piece]]:
    """Published, due pieces (of `kind`), newest first."""
    return (
        select(kind)
        .where(kind.public_filter(now))
        .order_by(kind.published_at.desc(), kind.id.desc())
    )


def public_piece(slug: str, kind: type[Piece] = Piece) -> Piece | None:
    """The public piece of `kind` at this address (any kind when not given)."""
    return db.session.scalar(select(kind).where(kind.slug == slug, kind.public_filter()))


def next_public_change(after: datetime) -> datetime | None:
    """The first time after `after` when a piece appears (its date comes) or leaves (its end
    date comes) with no commit: a page built at `after` may be served until then."""
    live = and_(Piece.status == PieceStatus.PUBLISHED, Piece.trashed_at.is_(None))
    starts = select(func.min(Piece.published_at)).where(live, Piece.published_at > after)
    ends = select(func.min(Piece.unpublish_at)).where(live, Piece.unpublish_at > after)
    times = db.session.execute(select(starts.scalar_subquery(), ends.scalar_subquery())).one()
    return min((when for when in times if when is not None), default=None)


def visible_to(user: User | None) -> ColumnElement[bool]:
    """The SQL twin of Action.SEE_PIECE: public pieces, and those `user` may edit (never one in
    the trash: its comments leave the moderation queue until it is restored)."""
    if can(user, Action.EDIT_ANY_PIECE):
        return Piece.trashed_at.is_(None)
    if can(user, Action.WRITE):
        assert user is not None
        return or_(Piece.public_filter(),
                   and_(Piece.author_id == user.id, Piece.trashed_at.is_(None)))
    return Piece.public_filter()


def desk_pieces(user: User) -> Select[tuple[Piece]]:
    """The pieces a user manages, out of the trash: their own, or every one for editors and
    admins."""
    query = (select(Piece).where(Piece.trashed_at.is_(None))
             .order_by(Piece.updated_at.desc(), Piece.id.desc()))
    if not can(user, Action.EDIT_ANY_PIECE):
        query = query.where(Piece.author_id == user.id)
    return query


def archive_months() -> list[tuple[int, int, int]]:
    """(year, month, count) of public pieces, newest first."""
    year = extract("year", Piece.published_at)
    month = extract("month", Piece.published_at)
    rows = db.session.execute(
        select(year, month, func.count(Piece.id))
        .where(Piece.public_filter())
        .group_by(year, month)
        .order_by(year.desc(), month.desc())
    )
    return [(int(y), int(m), int(n)) for y, m, n in rows]


def month_pieces(year: int, month: int) -> Select[tuple[Piece]]:
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return public_pieces().where(Piece.published_at >= start, Piece.published_at < end)

