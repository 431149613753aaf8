"""Pieces, their tags and lead images; the article, the kind of piece whose body is Markdown.

Piece is the base of every kind (single-table inheritance on `kind`): each kind is a
subclass that brings its own template, public and desk addresses, rendering and search
text. This package knows no kind but its own: other kinds subclass Piece from theirs.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.database import enum_column, utcnow
from cms.extensions import db
from cms.textformat import markdown_to_html, number_blocks, text_blocks

if TYPE_CHECKING:
    from cms.accounts.models import User
    from cms.campaigns.models import Campaign


class PieceKind(enum.StrEnum):
    """The values the `kind` column may hold: one per subclass of Piece."""

    ARTICLE = "article"
    INTERVIEW = "interview"


class PieceStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class TagKind(enum.StrEnum):
    TOPIC = "topic"
    COUNTRY = "country"


piece_tags = Table(
    "piece_tags",
    db.metadata,
    Column("piece_id", ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_piece_tags_tag_id", "tag_id", "piece_id"),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TagKind] = mapped_column(enum_column(TagKind, "kind"))
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.kind}:{self.slug}>"


class Image(db.Model):
    """An uploaded image, re-encoded without metadata, with its credit and licence."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(100), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    # The smaller widths stored beside the file ("480,960": name-480.jpg, name-960.jpg).
    widths: Mapped[str] = mapped_column(String(100), default="", server_default="")
    alt_text: Mapped[str] = mapped_column(String(500), default="")
    caption: Mapped[str] = mapped_column(String(500), default="")
    credit: Mapped[str] = mapped_column(String(200), default="")
    licence_name: Mapped[str] = mapped_column(String(100), default="")
    licence_url: Mapped[str] = mapped_column(String(500), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def width_list(self) -> list[int]:
        return [int(width) for width in self.widths.split(",") if width]

    @property
    def sources(self) -> list[tuple[str, int]]:
        """(file name, width) of each stored width, the smallest first, the full size last."""
        stem, _, ext = self.filename.rpartition(".")
        return [*((f"{stem}-{width}.{ext}", width) for width in self.width_list),
                (self.filename, self.width)]


class CreditRole(enum.StrEnum):
    """What a credited person did; the byline says it in these words."""

    AUTHOR = "author"
    INTERVIEWER = "interviewer"
    TRANSLATOR = "translator"
    PHOTOGRAPHER = "photographer"

    @property
    def byline(self) -> str:
        """ "By", "Translated by"...: in the page's language."""
        return str(BYLINES[self.value])


BYLINES = {"author": _l("By"), "interviewer": _l("Interview by"), "translator": _l("Translated by"),
           "photographer": _l("Photographs by")}


class Contributor(db.Model):
    """A person credited on pieces (a byline), independent of accounts: guest authors,
    interviewers, translators, photographers, "Staff". The same name is the same person."""

    __tablename__ = "contributors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Contributor {self.slug}>"


@dataclass(frozen=True)
class Passage:
    """A paragraph, a list item or an interview's turn, as plain text, with the id of its
    element on the page (so a search result can link to it) and who says it."""

    text: str
    anchor: str = ""  # "p-3", "turn-12", "fn:1"; "" when readers are sent to the top
    speaker: str = ""  # an interview's turn: the speaker's name


class InPassages:
    """Text kept as passages (`self.passages`): the body outside turns, and the turns."""

    passages: tuple[Passage, ...]

    @property
    def body(self) -> str:
        """The writer's text outside turns (an interview's introduction and notes)."""
        return "\n".join(p.text for p in self.passages if not p.speaker)

    @property
    def turns(self) -> tuple[tuple[str, str], ...]:
        """(speaker's name, what they said) of each turn, in order."""
        return tuple((p.speaker, p.text) for p in self.passages if p.speaker)


@dataclass(frozen=True)
class SearchText(InPassages):
    """What a piece gives the search index, as plain text: never the page around it."""

    passages: tuple[Passage, ...] = ()  # in reading order
    speakers: tuple[str, ...] = ()


def passages_of(html: str, numbered: bool = True) -> tuple[Passage, ...]:
    """The passages of stored body HTML, anchored as the page numbers them."""
    return tuple(Passage(text, anchor) for anchor, text in text_blocks(html, numbered))


class PiecePart:
    """A row that belongs to one piece through its `piece_id` (an interview's turn): a change
    to it is a change to that piece, for the search index and the page cache."""


class Credit(PiecePart, db.Model):
    """One person credited on one piece, in the byline's order."""

    __tablename__ = "piece_credits"

    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id", ondelete="CASCADE"),
                                                index=True)
    role: Mapped[CreditRole] = mapped_column(enum_column(CreditRole, "role"), default=CreditRole.AUTHOR)

    contributor: Mapped[Contributor] = relationship(lazy="joined", innerjoin=True)


class Piece(db.Model):
    """What every kind of piece has. Abstract: rows are Articles, Interviews..."""

    __tablename__ = "pieces"
    __table_args__ = (
        # Lists of public pieces walk these in order and stop after one page.
        Index("ix_pieces_public", "status", "published_at", "id"),
        # One translation per language of an original.
        UniqueConstraint("original_id", "language", name="uq_pieces_original_id_language"),
        Index("ix_pieces_campaign_public", "campaign_id", "status", "published_at"),
    )

    # Set by each kind.
    template: ClassVar[str]  # the public page, also the desk preview
    public_endpoint: ClassVar[str]  # its address: url_for(endpoint, slug=...)
    desk_endpoint: ClassVar[str]  # its editor: url_for(endpoint, piece_id=...)
    noun: ClassVar[str]  # "article", "interview": in sentences about a piece
    label: ClassVar[str]  # "Article": the kind named on its own
    plural: ClassVar[str]  # "Articles": a heading, a search facet
    list_label: ClassVar[str] = ""  # shown before the date in lists of pieces, if anything

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PieceKind] = mapped_column(enum_column(PieceKind, "kind"))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[PieceStatus] = mapped_column(
        enum_column(PieceStatus, "status"), default=PieceStatus.DRAFT
    )
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # The end date: from then on readers no longer see the piece (it stays published).
    unpublish_at: Mapped[datetime | None] = mapped_column(index=True)
    comments_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))
    # In the trash since then (None: not in it), moved there by that account: public nowhere,
    # restorable for CMS_TRASH_DAYS, then purged. The row keeps its slug until then.
    trashed_at: Mapped[datetime | None] = mapped_column(index=True)
    trashed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The number of the revision this row holds: what readers see while the piece is
    # published. A later revision is a draft of changes, until "Publish changes".
    revision_number: Mapped[int] = mapped_column(default=0, server_default="0")
    # A translation: the piece it translates (its group's original), and the original's
    # revision this translation follows; a later published revision makes it outdated.
    original_id: Mapped[int | None] = mapped_column(ForeignKey("pieces.id", ondelete="SET NULL"),
                                                    index=True)
    source_revision: Mapped[int | None]

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")
    image: Mapped[Image | None] = relationship(lazy="joined")
    trashed_by: Mapped[User | None] = relationship(foreign_keys=[trashed_by_id])
    tags: Mapped[list[Tag]] = relationship(
        secondary=piece_tags, lazy="selectin", order_by=lambda: (Tag.kind, Tag.name)
    )
    original: Mapped[Piece | None] = relationship(remote_side=lambda: [Piece.id],
                                                  foreign_keys=lambda: [Piece.original_id])
    # Who readers are told made it (bylines): never the account that saved it.
    credits: Mapped[list[Credit]] = relationship(
        lazy="selectin", order_by=lambda: Credit.position, cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__: ClassVar[dict] = {  # type: ignore[type-arg]
        "polymorphic_on": "kind", "polymorphic_abstract": True,
    }

    @staticmethod
    def kind_named(kind: str) -> type[Piece] | None:
        """The class of the kind stored as `kind` ("article"), if there is one."""
        mapper = Piece.__mapper__.polymorphic_map.get(kind)
        return mapper.class_ if mapper is not None else None

    @classmethod
    def check_source(cls, source: str) -> None:
        """Raise the kind's error when `source` cannot become a body (before anything is saved)."""

    def render_body(self) -> None:
        """Derive the stored HTML (and any parts) from `body_source`."""
        raise NotImplementedError

    def take_confirmations_from(self, other: Piece) -> None:
        """After a translation is made from `other`: what the desk confirmed on its parts
        (an interview's roles and bios) carries over; the caller commits."""

    def copy_parts_from(self, other: Piece) -> None:
        """Before rendering an unsaved copy (a preview): take what the desk confirmed on the
        stored piece's parts, without touching them."""

    def reader_html(self) -> Markup:
        """The body as readers see it, on the page and in feeds: each block with the id
        a search result links to."""
        return Markup(number_blocks(self.body_html or ""))

    def search_text(self) -> SearchText:
        raise NotImplementedError

    @classmethod
    def public_filter(cls, now: datetime | None = None):  # type: ignore[no-untyped-def]
        """The SQL condition a piece meets when readers may see it."""
        now = now or utcnow()
        return and_(
            cls.status == PieceStatus.PUBLISHED,
            cls.published_at.is_not(None),
            cls.published_at <= now,
            or_(cls.unpublish_at.is_(None), cls.unpublish_at > now),
            cls.trashed_at.is_(None),
        )

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == PieceStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.unpublish_at is None or self.unpublish_at > now)
            and self.trashed_at is None
        )

    @property
    def is_scheduled(self) -> bool:
        return (self.status == PieceStatus.PUBLISHED and self.published_at is not None
                and self.published_at > utcnow())

    @property
    def has_ended(self) -> bool:
        """Published, but past its end date: readers no longer see it."""
        return (self.status == PieceStatus.PUBLISHED and self.unpublish_at is not None
                and self.unpublish_at <= utcnow())

    def campaign_attribution(self) -> str:
        """The campaign's line under this piece in this kind's words: an attribution written
        "This article is part of…" (or "This piece…", any kind's noun) reads "This interview
        is part of…" under an interview. Other wordings are shown as written."""
        text = self.campaign.attribution if self.campaign else ""
        nouns = {"piece", *(mapper.class_.noun for mapper in Piece.__mapper__.polymorphic_map.values())}
        pattern = rf"\A(this)(\s+)({'|'.join(sorted(map(re.escape, nouns)))})\b"
        return re.sub(pattern, lambda m: f"{m[1]}{m[2]}{self.noun}", text, count=1,
                      flags=re.IGNORECASE)

    @property
    def topics(self) -> list[Tag]:
        return [tag for tag in self.tags if tag.kind == TagKind.TOPIC]

    @property
    def countries(self) -> list[Tag]:
        return [tag for tag in self.tags if tag.kind == TagKind.COUNTRY]

    def bylines(self) -> list[tuple[str, list[Contributor]]]:
        """("By", [people]), ("Translated by", [...])...: the credits grouped by role, in the
        order each role first appears."""
        groups: dict[str, list[Contributor]] = {}
        for credit in self.credits:
            groups.setdefault(credit.role.byline, []).append(credit.contributor)
        return list(groups.items())

    def byline_names(self) -> list[str]:
        """The names a feed gives as the authors: those credited as author or interviewer,
        else everyone credited."""
        makers = [c.contributor.name for c in self.credits
                  if c.role in (CreditRole.AUTHOR, CreditRole.INTERVIEWER)]
        return makers or [c.contributor.name for c in self.credits]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug} {self.status}>"


class Revision(db.Model):
    """One save of a piece: who, when, a note, and the whole source, so any two can be
    compared and any one made the current draft again. Never seen by readers."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("piece_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3... within its piece
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")

    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    credits: Mapped[str] = mapped_column(Text, default="", server_default="")  # "Name (role)" per line
    source_revision: Mapped[int | None]  # a translation's: the original's revision it follows
    topics: Mapped[str] = mapped_column(Text, default="")  # names, separated by ", "
    countries: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"),
                                                 index=True)
    image_alt: Mapped[str] = mapped_column(String(500), default="")
    image_caption: Mapped[str] = mapped_column(String(500), default="")
    image_credit: Mapped[str] = mapped_column(String(200), default="")
    image_licence_name: Mapped[str] = mapped_column(String(100), default="")
    image_licence_url: Mapped[str] = mapped_column(String(500), default="")
    image_source_url: Mapped[str] = mapped_column(String(500), default="")

    author: Mapped[User | None] = relationship(lazy="joined")
    image: Mapped[Image | None] = relationship()

    # The fields a writer changes, in the order a comparison shows them.
    CONTENT: ClassVar[tuple[str, ...]] = (
        "title", "slug", "standfirst", "credits", "body_source", "language", "campaign_id", "topics",
        "countries", "image_id", "image_alt", "image_caption", "image_credit",
        "image_licence_name", "image_licence_url", "image_source_url",
    )

    def affects_public_pages(self) -> bool:
        return False  # a revision changes no public page until it is applied to its piece

    def same_content(self, other: Revision) -> bool:
        return all(getattr(self, name) == getattr(other, name) for name in self.CONTENT)

    def __repr__(self) -> str:
        return f"<Revision {self.piece_id}#{self.number}>"


class Article(Piece):
    """A piece whose body is the writer's Markdown."""

    __mapper_args__: ClassVar[dict] = {"polymorphic_identity": PieceKind.ARTICLE}  # type: ignore[type-arg]

    template = "articles/piece.html"
    public_endpoint = "articles.show"
    desk_endpoint = "desk.edit"
    noun = "article"
    label = _l("Article")
    plural = _l("Articles")

    def render_body(self) -> None:
        self.body_html = markdown_to_html(self.body_source)

    def search_text(self) -> SearchText:
        return SearchText(passages=passages_of(self.body_html or ""))
