"""Rules for pieces of every kind: how they are saved, published and found.

Who may do what is asked of cms.permissions; what differs between kinds (rendering,
checking the source) is asked of the piece's own class.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, extract, func, or_, select

from cms.accounts.models import User
from cms.articles.credits import format_bylines, parse_bylines, set_credits
from cms.articles.images import remove_image_file
from cms.articles.models import Article, Image, Piece, PieceStatus, Revision, Tag, TagKind
from cms.articles.revisions import head_revision, is_live, pending_revision, revision
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
class ImageDetails:
    """What the desk says about the lead image: kept with each revision."""

    alt_text: str = ""
    caption: str = ""
    credit: str = ""
    licence_name: str = ""
    licence_url: str = ""
    source_url: str = ""


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
    image: Image | None = None  # a new upload (its details are its own)
    remove_image: bool = False
    image_details: ImageDetails | None = None  # None: the current image's, unchanged
    note: str = ""  # the revision's note: what this save changed
    bylines: str = ""  # one person per line, "Name" or "Name (translator)"; empty: the writer
    up_to_date: bool = False  # a translation: it now follows the original's newest revision


class EditConflict(PieceError):
    """The form started from an older revision than the newest one: saving would overwrite
    someone's work. `newest` is that revision."""

    def __init__(self, newest: Revision) -> None:
        super().__init__("body_source", "This piece was saved again while you were editing.")
        self.newest = newest


# --- Slugs and tags --------------------------------------------------------------------------


def _slug_for(current: str, data: PieceData, piece_id: int | None) -> str:
    if data.slug.strip():
        # A taken address gets the next free one, as a new title does: saying it is taken
        # would tell a writer that someone's unpublished draft sits there.
        wanted = make_slug(data.slug)
        return wanted if wanted == current else free_slug(wanted, piece_id)
    if current:
        return current  # keep the address readers may have linked to
    return free_slug(make_slug(data.title), piece_id)


def free_slug(base: str, piece_id: int | None) -> str:
    """`base`, or `base-2`..., not held by another piece nor by any revision of another piece
    (a draft's new address waiting for "Publish changes", or an address readers knew)."""
    candidate = unique_slug(base, Piece, exclude_id=piece_id)
    number = 1
    while _held_by_a_revision(candidate, piece_id):
        number += 1
        candidate = unique_slug(f"{base[:190]}-{number}", Piece, exclude_id=piece_id)
    return candidate


def _held_by_a_revision(slug: str, piece_id: int | None) -> bool:
    query = select(Revision.id).where(Revision.slug == slug)
    if piece_id is not None:
        query = query.where(Revision.piece_id != piece_id)
    return db.session.scalar(query.limit(1)) is not None


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


def _names(raw: list[str]) -> str:
    """Tag names as a revision keeps them: cleaned, once each, separated by ", "."""
    names: list[str] = []
    for name in (clean_name(part)[:100] for part in raw):
        if name and make_slug(name) not in {make_slug(seen) for seen in names}:
            names.append(name)
    return ", ".join(names)


# --- Saving: every save is a revision ----------------------------------------------------------


def _new_revision(piece: Piece, user: User, data: PieceData, base: Revision | None) -> Revision:
    """The revision `data` makes of a piece whose newest revision is `base` (None: new)."""
    title = " ".join(accepted_text(data.title).split())  # the CLI is no form: clean here too
    if not title:
        raise PieceError("title", "A title is required.")
    if data.campaign_id is not None and db.session.get(Campaign, data.campaign_id) is None:
        raise PieceError("campaign_id", "That campaign does not exist.")
    language = data.language.strip() or "en"
    if _language_taken(piece, language):
        raise PieceError("language", "Another version of this story is in that language already: "
                         "edit that one, or choose another language.")
    revision = Revision(
        piece_id=piece.id, number=(base.number if base else 0) + 1, author_id=user.id,
        note=" ".join(accepted_text(data.note).split())[:200], title=title,
        slug=_slug_for(base.slug if base else piece.slug, data, piece.id),
        standfirst=accepted_text(data.standfirst).strip(), body_source=accepted_text(data.body_source),
        language=language, campaign_id=data.campaign_id,
        topics=_names(data.topics), countries=_names(data.countries),
        credits=_credits(data.bylines, piece.author),
        source_revision=_source_revision(piece, data, base))
    image, details = (base.image_id, _details_of(base)) if base else (None, ImageDetails())
    if data.image is not None:
        db.session.flush()  # the upload's id
        image, details = data.image.id, _details_of_image(data.image)
    elif data.remove_image:
        image, details = None, ImageDetails()
    if data.image_details is not None and image is not None:
        # What the form says now (an upload kept from a refused form had the details typed
        # then); an emptied alternative text keeps the one before: an image always has one.
        details = replace(data.image_details,
                          alt_text=data.image_details.alt_text.strip() or details.alt_text)
    revision.image_id = image
    _set_details(revision, details)
    return revision


def _language_taken(piece: Piece, language: str) -> bool:
    """Whether another member of the piece's translation group is written in `language`."""
    root = piece.original.id if piece.original is not None else piece.id
    if root is None:
        return False
    others = select(Piece.id).where(or_(Piece.id == root, Piece.original_id == root),
                                    Piece.language == language)
    if piece.id is not None:
        others = others.where(Piece.id != piece.id)
    return db.session.scalar(others.limit(1)) is not None


def _source_revision(piece: Piece, data: PieceData, base: Revision | None) -> int | None:
    """A translation's revision follows the original's revision its base followed, or the
    original's newest when the translator says it is up to date."""
    if piece.original is None:
        return None
    if data.up_to_date or base is None:
        return piece.original.revision_number
    return base.source_revision


def _credits(text: str, writer: User) -> str:
    """The bylines as a revision keeps them; nobody named: the writer's own name."""
    try:
        credits = parse_bylines(text) or parse_bylines(writer.display_name)
    except RuleError as exc:
        raise PieceError("bylines", exc.message) from exc
    return format_bylines(credits)


def unsaved_revision(data: PieceData, base: Revision) -> Revision:
    """What `data` would save over `base`, never added to the session: to compare a refused
    save with the revision it would have replaced."""
    unsaved = Revision(
        piece_id=base.piece_id, number=base.number + 1, title=" ".join(data.title.split()),
        slug=make_slug(data.slug) if data.slug.strip() else base.slug,
        standfirst=data.standfirst.strip(), body_source=data.body_source,
        language=data.language.strip() or "en", campaign_id=data.campaign_id,
        topics=_names(data.topics), countries=_names(data.countries),
        credits=_credits_or(data.bylines, base.credits),
        image_id=None if data.remove_image else base.image_id)
    _set_details(unsaved, data.image_details or _details_of(base))
    return unsaved


def _credits_or(text: str, fallback: str) -> str:
    try:
        return format_bylines(parse_bylines(text)) or fallback
    except RuleError:
        return fallback


def _set_details(revision: Revision, details: ImageDetails) -> None:
    for name, value in vars(details).items():
        setattr(revision, "image_alt" if name == "alt_text" else f"image_{name}", value.strip())


def _details_of(revision: Revision) -> ImageDetails:
    return ImageDetails(revision.image_alt, revision.image_caption, revision.image_credit,
                        revision.image_licence_name, revision.image_licence_url,
                        revision.image_source_url)


def _details_of_image(image: Image) -> ImageDetails:
    return ImageDetails(image.alt_text, image.caption, image.credit, image.licence_name,
                        image.licence_url, image.source_url)


def apply_revision(piece: Piece, revision: Revision) -> None:
    """Make the row (what readers see) hold `revision`: fields, tags, image and its details,
    the body rendered by the piece's kind. The caller commits."""
    with db.session.no_autoflush:
        for name in ("title", "standfirst", "body_source", "language", "campaign_id"):
            setattr(piece, name, getattr(revision, name))
        if _slug_taken(revision.slug, piece.id):  # taken meanwhile: the next free one, said so
            revision.slug = free_slug(revision.slug, piece.id)
        piece.slug = revision.slug
        piece.tags = get_or_create_tags(revision.topics.split(","), TagKind.TOPIC) + \
            get_or_create_tags(revision.countries.split(","), TagKind.COUNTRY)
        set_credits(piece, revision.credits)
        piece.source_revision = revision.source_revision
        piece.image = db.session.get(Image, revision.image_id) if revision.image_id else None
        if piece.image is not None:
            for name, value in vars(_details_of(revision)).items():
                setattr(piece.image, name, value)
        piece.revision_number = revision.number
    piece.render_body()
    piece.updated_at = utcnow()


def _slug_taken(slug: str, piece_id: int) -> bool:
    return db.session.scalar(select(Piece.id).where(Piece.slug == slug, Piece.id != piece_id)) is not None


def check_body_size(source: str) -> None:
    """Bodies longer than CMS_BODY_MAX_CHARS are refused before anything reads them."""
    limit = current_app.config["CMS_BODY_MAX_CHARS"]
    if len(source) > limit:
        raise PieceError("body_source", f"This text is {len(source):,} characters long; the limit "
                         f"is {limit:,}. Shorten it, or split it into two pieces.")


def create_piece(author: User, data: PieceData, kind: type[Piece] = Article,
                 original: Piece | None = None) -> Piece:
    """A new draft of `kind` by `author` (a translation of `original`) with its first revision,
    body rendered, committed once; nothing is saved when the source cannot be read (the kind's
    error) or the piece breaks a rule (PieceError)."""
    require(author, Action.WRITE)
    check_body_size(data.body_source)
    kind.check_source(data.body_source)
    piece = kind(author=author, status=PieceStatus.DRAFT, slug="", title="", original=original)
    with db.session.no_autoflush:
        revision = _new_revision(piece, author, data, None)
    piece.slug, piece.title, piece.comments_open = revision.slug, revision.title, data.comments_open
    db.session.add(piece)
    db.session.flush()
    revision.piece_id = piece.id
    db.session.add(revision)
    apply_revision(piece, revision)
    db.session.commit()
    return piece


def update_piece(piece: Piece, user: User, data: PieceData, base: int | None = None) -> Piece:
    """Save a new revision. A published piece keeps what readers see until "Publish changes";
    any other piece takes the revision at once. `base` is the revision number the form
    started from: when a newer one exists, EditConflict, and nothing is saved."""
    require(user, Action.EDIT_PIECE, piece)
    check_body_size(data.body_source)
    type(piece).check_source(data.body_source)
    head = head_revision(piece)
    if base is not None and head is not None and head.number != base:
        raise EditConflict(head)
    with db.session.no_autoflush:
        revision = _new_revision(piece, user, data, head)
    db.session.add(revision)
    piece.comments_open = data.comments_open  # a setting, not the text: at once
    before = {piece.image_id, head.image_id if head else None}
    if not is_live(piece):
        apply_revision(piece, revision)
    db.session.flush()
    discard_unused_images(before - {piece.image_id, revision.image_id})
    db.session.commit()
    return piece


def publish_changes(piece: Piece, user: User) -> Piece:
    """Readers see the newest revision of a published piece from now on."""
    require(user, Action.PUBLISH_PIECE, piece)
    pending = pending_revision(piece)
    if pending is None:
        raise PieceError("revision", "There are no unpublished changes to publish.")
    before = piece.image_id
    apply_revision(piece, pending)
    record(user, AuditAction.PUBLISH_CHANGES, piece=piece, detail=f"revision {pending.number}")
    db.session.flush()
    discard_unused_images({before} - {piece.image_id})
    db.session.commit()
    return piece


def restore_revision(piece: Piece, user: User, number: int) -> Revision:
    """Make an old revision the current draft again: a new revision with its content (the
    history stays whole). Restoring what readers see drops the changes waiting."""
    require(user, Action.EDIT_PIECE, piece)
    old, head = revision(piece, number), head_revision(piece)
    if old is None or head is None:
        raise PieceError("revision", f"This {piece.noun} has no revision {number}.")
    if old.number == head.number:
        raise PieceError("revision", f"Revision {number} is already the current one.")
    copy = Revision(piece_id=piece.id, number=head.number + 1, author_id=user.id,
                    note=f"Restored revision {number}",
                    **{name: getattr(old, name) for name in Revision.CONTENT})
    if copy.image_id is not None and db.session.get(Image, copy.image_id) is None:
        copy.image_id = None
    db.session.add(copy)
    if not is_live(piece):
        apply_revision(piece, copy)
    elif old.number == piece.revision_number:
        piece.revision_number = copy.number  # the same content readers see: nothing waits
    db.session.flush()
    discard_unused_images({head.image_id} - {piece.image_id, copy.image_id})
    db.session.commit()
    return copy


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
    require(user, Action.PUBLISH_PIECE, piece)
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
    """Take a piece off every public page and feed; its date is kept for republishing. Changes
    waiting for "Publish changes" become the piece: publishing it again publishes them."""
    require(user, Action.PUBLISH_PIECE, piece)
    pending = pending_revision(piece)
    if pending is not None:
        apply_revision(piece, pending)
    piece.status = PieceStatus.UNPUBLISHED
    piece.updated_at = utcnow()
    record(user, AuditAction.UNPUBLISH, piece=piece)
    db.session.commit()
    return piece


# --- Images -----------------------------------------------------------------------------------


def image_in_use(image_id: int) -> bool:
    """Shown by a piece, or by the newest revision of one (a change waiting to be published)."""
    newest = (select(Revision.piece_id, func.max(Revision.number).label("number"))
              .group_by(Revision.piece_id).subquery())
    in_draft = (select(Revision.id).join(newest, and_(Revision.piece_id == newest.c.piece_id,
                                                      Revision.number == newest.c.number))
                .where(Revision.image_id == image_id).limit(1))
    shown = select(Piece.id).where(Piece.image_id == image_id).limit(1)
    return db.session.scalar(shown) is not None or db.session.scalar(in_draft) is not None


def discard_unused_images(image_ids: set[int | None]) -> None:
    """Images no piece shows and no draft holds are deleted, row and file: a photo of a person
    must not stay reachable at its address after the piece that showed it is gone. Older
    revisions then say the image is no longer kept."""
    for image_id in image_ids - {None}:
        image = db.session.get(Image, image_id)
        if image is not None and not image_in_use(image_id):
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


def archive_months(language: str | None = None) -> list[tuple[int, int, int]]:
    """(year, month, count) of public pieces (in `language`, if given), newest first."""
    year = extract("year", Piece.published_at)
    month = extract("month", Piece.published_at)
    rows = db.session.execute(
        select(year, month, func.count(Piece.id))
        .where(Piece.public_filter(), *([Piece.language == language] if language else []))
        .group_by(year, month)
        .order_by(year.desc(), month.desc())
    )
    return [(int(y), int(m), int(n)) for y, m, n in rows]


def month_pieces(year: int, month: int) -> Select[tuple[Piece]]:
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return public_pieces().where(Piece.published_at >= start, Piece.published_at < end)

