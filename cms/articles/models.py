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

from markupsafe import Markup
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, and_, or_
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
    alt_text: Mapped[str] = mapped_column(String(500), default="")
    caption: Mapped[str] = mapped_column(String(500), default="")
    credit: Mapped[str] = mapped_column(String(200), default="")
    licence_name: Mapped[str] = mapped_column(String(100), default="")
    licence_url: Mapped[str] = mapped_column(String(500), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Passage:
    """A paragraph, a list item or an interview's turn, as plain text, with the id of its
    element on the page (so a search result can link to it) and who says it."""

    text: str
    anchor: str = ""  # "p-3", "turn-12", "fn:1"; "" when readers are sent to the top
    speaker: str = ""  # an interview's turn: the speaker's name


@dataclass(frozen=True)
class SearchText:
    """What a piece gives the search index, as plain text: never the page around it."""

    passages: tuple[Passage, ...] = ()  # in reading order
    speakers: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        """The writer's text outside turns (an interview's introduction and notes)."""
        return "\n".join(p.text for p in self.passages if not p.speaker)

    @property
    def turns(self) -> tuple[tuple[str, str], ...]:
        """(speaker's name, what they said) of each turn, in order."""
        return tuple((p.speaker, p.text) for p in self.passages if p.speaker)


def passages_of(html: str, numbered: bool = True) -> tuple[Passage, ...]:
    """The passages of stored body HTML, anchored as the page numbers them."""
    return tuple(Passage(text, anchor) for anchor, text in text_blocks(html, numbered))


class PiecePart:
    """A row that belongs to one piece through its `piece_id` (an interview's turn): a change
    to it is a change to that piece, for the search index and the page cache."""


class Piece(db.Model):
    """What every kind of piece has. Abstract: rows are Articles, Interviews..."""

    __tablename__ = "pieces"
    __table_args__ = (
        # Lists of public pieces walk these in order and stop after one page.
        Index("ix_pieces_public", "status", "published_at", "id"),
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

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")
    image: Mapped[Image | None] = relationship(lazy="joined")
    trashed_by: Mapped[User | None] = relationship(foreign_keys=[trashed_by_id])
    tags: Mapped[list[Tag]] = relationship(
        secondary=piece_tags, lazy="selectin", order_by=lambda: (Tag.kind, Tag.name)
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

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug} {self.status}>"


class Article(Piece):
    """A piece whose body is the writer's Markdown."""

    __mapper_args__: ClassVar[dict] = {"polymorphic_identity": PieceKind.ARTICLE}  # type: ignore[type-arg]

    template = "articles/piece.html"
    public_endpoint = "articles.show"
    desk_endpoint = "desk.edit"
    noun = "article"
    label = "Article"
    plural = "Articles"

    def render_body(self) -> None:
        self.body_html = markdown_to_html(self.body_source)

    def search_text(self) -> SearchText:
        return SearchText(passages=passages_of(self.body_html or ""))
