"""Rules for pieces: who may edit them, how they are saved, published and found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slugify import slugify
from sqlalchemy import Select, extract, func, select

from cms.accounts.models import User
from cms.articles.images import remove_image_file
from cms.articles.models import Image, Piece, PieceKind, PieceStatus, Tag, TagKind
from cms.campaigns.models import Campaign
from cms.database import utcnow
from cms.extensions import db
from cms.textformat import markdown_to_html

SLUG_MAX = 200
# Letters the transliteration table does not know (Azerbaijani schwa).
SLUG_REPLACEMENTS = [["Ə", "A"], ["ə", "a"]]


class PermissionDenied(Exception):
    """The user may not do this to this piece."""


class PieceError(ValueError):
    """A piece that breaks a rule; `field` names the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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


# --- Permissions ---------------------------------------------------------------------------


def can_write(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.active and user.can_write


def can_edit(piece: Piece, user: User | None) -> bool:
    """Writers manage their own pieces; editors and admins every piece; moderators none."""
    if not can_write(user):
        return False
    assert user is not None
    return user.can_edit_all or piece.author_id == user.id


def require_edit(piece: Piece, user: User | None) -> None:
    if not can_edit(piece, user):
        raise PermissionDenied(f"you may not change {piece.slug!r}")


# --- Slugs and tags --------------------------------------------------------------------------


def make_slug(text: str) -> str:
    """A URL slug from any script: 'Свобода слова' -> 'svoboda-slova'."""
    return slugify(text, max_length=SLUG_MAX, word_boundary=True,
                   replacements=SLUG_REPLACEMENTS) or "piece"


def unique_slug(base: str, model: type[Piece] | type[Campaign] | type[Tag] = Piece,
                exclude_id: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet."""
    candidate, number = base, 1
    while True:
        query = select(model.id).where(model.slug == candidate)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query) is None:
            return candidate
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix


def _slug_for(piece: Piece, data: PieceData) -> str:
    if data.slug.strip():
        wanted = make_slug(data.slug)
        taken = db.session.scalar(
            select(Piece.id).where(Piece.slug == wanted, Piece.id != (piece.id or -1))
        )
        if taken is not None:
            raise PieceError("slug", f"The address {wanted!r} is already used by another piece.")
        return wanted
    if piece.slug:
        return piece.slug  # keep the address readers may have linked to
    return unique_slug(make_slug(data.title), exclude_id=piece.id)


def get_or_create_tags(names: list[str], kind: TagKind) -> list[Tag]:
    """Tags by name, created when new; the same name is the same tag."""
    tags: list[Tag] = []
    for raw in names:
        name = " ".join(raw.split())[:100]
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


# Renders a piece's body into body_html before the commit; articles use Markdown, interviews
# pass their own (turns, speakers), so a piece is never committed half-rendered.
BodyRenderer = Callable[[Piece], None]


def _markdown_body(piece: Piece) -> None:
    piece.body_html = markdown_to_html(piece.body_source)


def _apply(piece: Piece, data: PieceData) -> None:
    title = " ".join(data.title.split())
    if not title:
        raise PieceError("title", "A title is required.")
    if data.campaign_id is not None and db.session.get(Campaign, data.campaign_id) is None:
        raise PieceError("campaign_id", "That campaign does not exist.")
    piece.title = title
    piece.slug = _slug_for(piece, data)
    piece.standfirst = data.standfirst.strip()
    piece.body_source = data.body_source
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


def create_piece(author: User, data: PieceData, kind: PieceKind = PieceKind.ARTICLE,
                 render: BodyRenderer = _markdown_body) -> Piece:
    """A new draft by `author`, committed once, body rendered."""
    if not can_write(author):
        raise PermissionDenied("only writers, editors and admins write pieces")
    piece = Piece(kind=kind, author=author, status=PieceStatus.DRAFT, slug="")
    with db.session.no_autoflush:
        _apply(piece, data)
    db.session.add(piece)
    render(piece)
    db.session.commit()
    return piece


def update_piece(piece: Piece, user: User, data: PieceData,
                 render: BodyRenderer = _markdown_body) -> Piece:
    require_edit(piece, user)
    with db.session.no_autoflush:
        _apply(piece, data)
    render(piece)
    piece.updated_at = utcnow()
    db.session.commit()
    return piece


def publish(piece: Piece, user: User, at: datetime | None = None) -> Piece:
    """Publish now, or at `at` (UTC) when that lies in the future: a scheduled piece."""
    require_edit(piece, user)
    piece.status = PieceStatus.PUBLISHED
    if at is not None:
        piece.published_at = at
    elif piece.published_at is None or piece.published_at > utcnow():
        piece.published_at = utcnow()
    piece.updated_at = utcnow()
    db.session.commit()
    return piece


def unpublish(piece: Piece, user: User) -> Piece:
    """Take a piece off every public page and feed; its date is kept for republishing."""
    require_edit(piece, user)
    piece.status = PieceStatus.UNPUBLISHED
    piece.updated_at = utcnow()
    db.session.commit()
    return piece


def delete_piece(piece: Piece, user: User) -> None:
    require_edit(piece, user)
    if piece.image is not None:
        discard_image_if_unused(piece.image, piece)
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


def public_pieces(now: datetime | None = None) -> Select[tuple[Piece]]:
    """Published, due pieces, newest first."""
    return (
        select(Piece)
        .where(Piece.public_filter(now))
        .order_by(Piece.published_at.desc(), Piece.id.desc())
    )


def public_piece(slug: str, kind: PieceKind) -> Piece | None:
    return db.session.scalar(
        select(Piece).where(Piece.slug == slug, Piece.kind == kind, Piece.public_filter())
    )


def desk_pieces(user: User) -> Select[tuple[Piece]]:
    """The pieces a user manages: their own, or every one for editors and admins."""
    query = select(Piece).order_by(Piece.updated_at.desc(), Piece.id.desc())
    if not user.can_edit_all:
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


def campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.title)))
