"""How long comments and commenters' addresses are kept: `flask comments purge` applies it.

Spam and deleted comments are deleted, with their moderation events,
CMS_COMMENT_RETENTION_DAYS after they became spam or deleted; approved replies to them
stay, standing on their own (comments.parent_id is ON DELETE SET NULL). Commenters'
e-mail addresses, and their keyed hash, are dropped CMS_COMMENTER_EMAIL_DAYS after the
comment was posted. The text a moderator's edit replaced (often a phone number or an
address taken out) stays in the comment's history CMS_COMMENT_RETENTION_DAYS too, then only
the edit's reason is kept. Pending and approved comments are never purged. Comments of a
piece in the trash stay with it, whatever their state, until `trash purge` deletes the piece
(their addresses and edited-away texts are still dropped on time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, delete, or_, select, update

from cms.articles.models import Piece
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.database import utcnow
from cms.extensions import db

BATCH = 500  # rows per statement and per transaction: short locks on a large table


@dataclass(frozen=True)
class PurgeResult:
    purged: int  # spam or deleted comments deleted
    emails_dropped: int  # comments whose address (and its hash) was dropped
    edits_dropped: int  # moderators' edits whose earlier text was dropped


def became_unwanted_at() -> ColumnElement[Any]:
    """When a spam or deleted comment became so: the later of its withdrawal and its last
    moderation, or when it was posted (held as spam on arrival, never moderated)."""
    withdrawn, moderated = Comment.withdrawn_at, Comment.moderated_at
    return case(
        (and_(withdrawn.is_not(None), or_(moderated.is_(None), withdrawn > moderated)), withdrawn),
        (moderated.is_not(None), moderated),
        else_=Comment.created_at,
    )


def purgeable(now: datetime) -> ColumnElement[bool]:
    """The one place that chooses which comments are purged: spam and deleted ones past the
    retention period, except those of a piece in the trash (they stay with it until the piece
    is purged, so that restoring it brings back its whole history)."""
    days = current_app.config["CMS_COMMENT_RETENTION_DAYS"]
    trashed = select(Piece.id).where(Piece.trashed_at.is_not(None))
    return and_(Comment.status.in_([CommentStatus.SPAM, CommentStatus.DELETED]),
                became_unwanted_at() <= now - timedelta(days=days),
                Comment.piece_id.not_in(trashed))


def email_expired(now: datetime) -> ColumnElement[bool]:
    """Comments whose commenter's address is kept no longer."""
    days = current_app.config["CMS_COMMENTER_EMAIL_DAYS"]
    return and_(Comment.created_at <= now - timedelta(days=days),
                or_(Comment.author_email != "", Comment.email_hash.is_not(None)))


def _batches(condition: ColumnElement[bool], batch: int) -> Iterator[list[int]]:
    """Lists of at most `batch` ids meeting `condition`, until none is left. Each list must
    stop meeting it (deleted or changed) and be committed before the next is asked for."""
    while ids := db.session.scalars(
            select(Comment.id).where(condition).order_by(Comment.id).limit(batch)).all():
        yield list(ids)


def purge_comments(now: datetime, batch: int = BATCH) -> int:
    """Delete purgeable comments and their moderation events; the number deleted."""
    done = 0
    for ids in _batches(purgeable(now), batch):
        # The database would do both (ON DELETE CASCADE, SET NULL); said here so the
        # result does not depend on SQLite's foreign_keys pragma.
        db.session.execute(delete(ModerationEvent).where(ModerationEvent.comment_id.in_(ids)),
                           execution_options={"synchronize_session": False})
        db.session.execute(update(Comment).where(Comment.parent_id.in_(ids)).values(parent_id=None),
                           execution_options={"synchronize_session": False})
        done += db.session.execute(delete(Comment).where(Comment.id.in_(ids)),
                                   execution_options={"synchronize_session": False}).rowcount
        db.session.commit()
    return done


def drop_old_emails(now: datetime, batch: int = BATCH) -> int:
    """Forget the address (and its hash) of comments posted long enough ago; how many."""
    done = 0
    for ids in _batches(email_expired(now), batch):
        done += db.session.execute(
            update(Comment).where(Comment.id.in_(ids)).values(author_email="", email_hash=None),
            execution_options={"synchronize_session": False}).rowcount
        db.session.commit()
    return done


def drop_old_edits(now: datetime, batch: int = BATCH) -> int:
    """Forget the text that moderators' edits replaced, past the retention period; how many."""
    days = current_app.config["CMS_COMMENT_RETENTION_DAYS"]
    old = and_(ModerationEvent.action == "edit", ModerationEvent.previous_body.is_not(None),
               ModerationEvent.at <= now - timedelta(days=days))
    done = 0
    while ids := db.session.scalars(select(ModerationEvent.id).where(old).limit(batch)).all():
        done += db.session.execute(
            update(ModerationEvent).where(ModerationEvent.id.in_(ids)).values(previous_body=None),
            execution_options={"synchronize_session": False}).rowcount
        db.session.commit()
    return done


def purge(now: datetime | None = None, batch: int = BATCH) -> PurgeResult:
    """Apply the retention rules. None changes a public page: only approved comments are
    shown, and a reply whose parent is gone was already shown on its own."""
    now = now or utcnow()
    return PurgeResult(purge_comments(now, batch), drop_old_emails(now, batch),
                       drop_old_edits(now, batch))
