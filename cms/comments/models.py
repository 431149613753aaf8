"""Reader comments, held for moderation, and the log of every moderation action."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.accounts.models import User, enum_column
from cms.articles.models import Piece
from cms.database import utcnow
from cms.extensions import db


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    DELETED = "deleted"


class Comment(db.Model):
    """A reader's comment. No IP address and no user agent are ever stored."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_piece_status", "piece_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str] = mapped_column(String(254), default="")  # never shown publicly
    body: Mapped[str] = mapped_column(Text)  # exactly as typed
    body_html: Mapped[str] = mapped_column(Text)  # derived: textformat.plain_text_to_html(body)
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus, "status"), default=CommentStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None]
    # Why the comment was held as spam on arrival ("blocked word: x", "honeypot", "too fast",
    # "too many links"); empty when it was not.
    held_reason: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # identity.email_hash(author_email): finds the same commenter's earlier comments without
    # comparing addresses; dropped with the address (cms/comments/retention.py).
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # identity.withdraw_hash(key) of the secret key the reader got once; never the key itself.
    withdraw_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    withdrawn_at: Mapped[datetime | None]  # when the reader withdrew it (status DELETED)

    piece: Mapped[Piece] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    moderated_by: Mapped[User | None] = relationship()

    def affects_public_pages(self) -> bool:
        """Only approved comments are public: a new pending or spam one leaves cached pages be."""
        if self.status == CommentStatus.APPROVED:
            return True
        history = inspect(self).attrs.status.history
        return CommentStatus.APPROVED in (history.deleted or ())


class ModerationEvent(db.Model):
    """Who did what to a comment, when and why. A moderator's edit keeps the text before it;
    a reader's withdrawal ("withdraw") has no moderator."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    previous_body: Mapped[str | None] = mapped_column(Text)  # the text before an "edit"

    comment: Mapped[Comment] = relationship(
        backref=db.backref("events", order_by="ModerationEvent.at",
                           cascade="all, delete-orphan", passive_deletes=True)
    )
    moderator: Mapped[User | None] = relationship()

    def affects_public_pages(self) -> bool:
        return False


class SiteSetting(db.Model):
    """Settings an admin changes in the UI (e.g. the blocked words), by name."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")

    def affects_public_pages(self) -> bool:
        return False
