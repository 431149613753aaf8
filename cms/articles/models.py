"""Pieces (articles and interviews), their tags and lead images."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.accounts.models import enum_column
from cms.database import utcnow
from cms.extensions import db

if TYPE_CHECKING:
    from cms.accounts.models import User
    from cms.campaigns.models import Campaign


class PieceKind(enum.StrEnum):
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


class Piece(db.Model):
    __tablename__ = "pieces"
    __table_args__ = (
        # Lists of public pieces walk these in order and stop after one page.
        Index("ix_pieces_public", "status", "published_at", "id"),
        Index("ix_pieces_campaign_public", "campaign_id", "status", "published_at"),
    )

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
    comments_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")
    image: Mapped[Image | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(
        secondary=piece_tags, lazy="selectin", order_by=lambda: (Tag.kind, Tag.name)
    )

    @classmethod
    def public_filter(cls, now: datetime | None = None):  # type: ignore[no-untyped-def]
        """The SQL condition a piece meets when readers may see it."""
        return and_(
            cls.status == PieceStatus.PUBLISHED,
            cls.published_at.is_not(None),
            cls.published_at <= (now or utcnow()),
        )

    def is_public(self, now: datetime | None = None) -> bool:
        return (
            self.status == PieceStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= (now or utcnow())
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == PieceStatus.PUBLISHED and not self.is_public()

    @property
    def topics(self) -> list[Tag]:
        return [tag for tag in self.tags if tag.kind == TagKind.TOPIC]

    @property
    def countries(self) -> list[Tag]:
        return [tag for tag in self.tags if tag.kind == TagKind.COUNTRY]

    def __repr__(self) -> str:
        return f"<Piece {self.kind}:{self.slug} {self.status}>"
