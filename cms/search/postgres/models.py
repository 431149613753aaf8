"""The tables of the PostgreSQL engine: one search document per indexable piece, and the words
that "Did you mean" may offer.

The schema has one source (the migrations), so the tables exist on SQLite too, as plain text
columns nobody writes: only the PostgreSQL engine reads or writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import db

VECTOR = Text().with_variant(TSVECTOR(), "postgresql")
TAGS = JSON().with_variant(ARRAY(String(120)), "postgresql")
PASSAGES = JSON().with_variant(JSONB(), "postgresql")


class SearchEntry(db.Model):
    """What the engine knows of a piece: its filters, its weighted words, its passages."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
    )

    piece_id: Mapped[int] = mapped_column(
        ForeignKey("pieces.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16))
    config: Mapped[str] = mapped_column(String(20))  # the text search configuration, cms_<config>
    published_at: Mapped[datetime]
    unpublish_at: Mapped[datetime | None]
    year: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int | None]
    campaign_title: Mapped[str] = mapped_column(String(300), default="")
    original_id: Mapped[int | None]  # a translation's original: one result per story
    tags: Mapped[Any] = mapped_column(TAGS)  # the tags' slugs
    passages: Mapped[Any] = mapped_column(PASSAGES)  # [text, anchor, speaker] of each, for snippets
    # Title A, standfirst and tag names B, body and turns C, speakers D.
    document: Mapped[str] = mapped_column(VECTOR)
    # A small part of `document` (every A, B and D word, the most frequent C words, a few
    # positions each): what the first ranking reads (cms/search/postgres/querying.py).
    summary: Mapped[str] = mapped_column(VECTOR)

    def affects_public_pages(self) -> bool:
        return False


class SearchWord(db.Model):
    """Every folded word of every piece indexed (kept when the piece goes: "Did you mean"
    checks each word it offers against the pieces public at that moment)."""

    __tablename__ = "search_words"
    __table_args__ = (
        Index("ix_search_words_trigrams", "word", postgresql_using="gin",
              postgresql_ops={"word": "gin_trgm_ops"}),
    )

    word: Mapped[str] = mapped_column(String(100), primary_key=True)

    def affects_public_pages(self) -> bool:
        return False
