"""Rules for comments: posting, closing, threading, and every moderation action."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.articles.services import visible_to
from cms.comments import mail
from cms.comments.models import Comment, CommentStatus, ModerationEvent, SiteSetting
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, require
from cms.rules import RuleError, accepted_text, clean_name
from cms.textformat import normalize_newlines, plain_text_to_html

log = logging.getLogger(__name__)

NAME_MAX = 80
EMAIL_MAX = 254
BODY_MAX = 5000
BLOCKED_WORDS = "blocked_words"
# Control characters other than tab and newline: nobody types them, PostgreSQL refuses NUL.

# Each action: the states it applies to, and the state it leaves.
ACTIONS: dict[str, tuple[frozenset[CommentStatus], CommentStatus]] = {
    "approve": (frozenset({CommentStatus.PENDING, CommentStatus.SPAM}), CommentStatus.APPROVED),
    "unapprove": (frozenset({CommentStatus.APPROVED}), CommentStatus.PENDING),
    "spam": (frozenset({CommentStatus.PENDING, CommentStatus.APPROVED}), CommentStatus.SPAM),
    "delete": (frozenset({CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.SPAM}),
               CommentStatus.DELETED),
    "restore": (frozenset({CommentStatus.DELETED}), CommentStatus.PENDING),
}


class CommentError(RuleError):
    """A comment that breaks a rule; `field` names the form field to show it on."""


# --- Open or closed ------------------------------------------------------------------------------


def closed_reason(piece: Piece, now: datetime | None = None) -> str | None:
    """Why readers may not comment on `piece`, or None while comments are open."""
    if not piece.comments_open:
        return "Comments on this piece have been closed by a moderator."
    days = current_app.config.get("CMS_COMMENTS_CLOSE_AFTER_DAYS")
    if days is not None and piece.published_at is not None:
        if (now or utcnow()) >= piece.published_at + timedelta(days=days):
            unit = "day" if days == 1 else "days"
            return f"Comments close {days} {unit} after publishing; this piece is older."
    return None


def set_comments_open(user: User | None, piece: Piece, is_open: bool) -> Piece:
    require(user, Action.MODERATE)
    require(user, Action.SEE_PIECE, piece)
    piece.comments_open = is_open
    db.session.commit()
    return piece


# --- Posting -------------------------------------------------------------------------------------


def clean_text(text: str | None) -> str:
    return accepted_text(normalize_newlines(text or ""))


def blocked_words() -> list[str]:
    value = db.session.get(SiteSetting, BLOCKED_WORDS)
    return [word.strip() for word in (value.value if value else "").split("\n") if word.strip()]


def set_blocked_words(user: User | None, text: str) -> list[str]:
    """Admins set the words (one per line) that send a comment straight to spam."""
    require(user, Action.SET_BLOCKED_WORDS)
    words = sorted({w.strip() for w in clean_text(text).split("\n") if w.strip()}, key=str.casefold)
    setting = db.session.get(SiteSetting, BLOCKED_WORDS) or SiteSetting(name=BLOCKED_WORDS)
    setting.value = "\n".join(words)
    db.session.add(setting)
    db.session.commit()
    return words


def contains_blocked_word(*texts: str) -> bool:
    haystack = " ".join(texts).casefold()
    return any(word.casefold() in haystack for word in blocked_words())


def _validate(name: str, email: str, body: str) -> None:
    if not name:
        raise CommentError("name", "Your name is required.")
    if len(name) > NAME_MAX:
        raise CommentError("name", f"Your name may have at most {NAME_MAX} characters.")
    if len(email) > EMAIL_MAX:
        raise CommentError("email", f"The email address may have at most {EMAIL_MAX} characters.")
    if not body.strip():
        raise CommentError("body", "The comment is empty.")
    if len(body) > BODY_MAX:
        raise CommentError("body", f"The comment may have at most {BODY_MAX:,} characters.")


def _parent(piece: Piece, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.piece_id != piece.id or parent.status != CommentStatus.APPROVED:
        raise CommentError("body", "You can only reply to a published comment on this piece.")
    return parent


def post_comment(piece: Piece, name: str, email: str, body: str, parent_id: int | None = None,
                 *, suspicious: bool = False) -> Comment:
    """A new comment: pending, or spam when `suspicious` or it holds a blocked word."""
    name, email, body = clean_name(name), clean_text(email).strip(), clean_text(body)
    _validate(name, email, body)
    if not piece.is_public():
        raise CommentError("body", "This piece is not published.")
    reason = closed_reason(piece)
    if reason:
        raise CommentError("body", reason)
    parent = _parent(piece, parent_id)
    html = plain_text_to_html(body)
    if not html:
        raise CommentError("body", "The comment is empty.")
    duplicate = db.session.scalar(
        select(Comment.id).where(Comment.piece_id == piece.id, Comment.body == body).limit(1))
    if duplicate is not None:
        raise CommentError("body", "This comment has already been posted on this piece.")
    spam = suspicious or contains_blocked_word(name, email, body)
    comment = Comment(piece=piece, parent=parent, author_name=name, author_email=email, body=body,
                      body_html=html, status=CommentStatus.SPAM if spam else CommentStatus.PENDING)
    db.session.add(comment)
    db.session.commit()
    if comment.status == CommentStatus.PENDING:
        mail.notify_moderators(comment)
    return comment


# --- Reading -------------------------------------------------------------------------------------


@dataclass
class Thread:
    """An approved comment and the approved replies under it."""

    comment: Comment
    replies: list[Thread] = field(default_factory=list)


@dataclass
class CommentPage:
    """One page of a piece's approved threads."""

    threads: list[Thread]
    count: int  # approved comments on the piece, replies included
    page: int
    pages: int


def approved_page(piece: Piece, page: int, per_page: int) -> CommentPage:
    """Page `page` of the threads (a comment and its replies stay together); one query."""
    roots, count = approved_threads(piece)
    pages = max(-(-len(roots) // per_page), 1)
    page = min(max(page, 1), pages)
    return CommentPage(roots[(page - 1) * per_page: page * per_page], count, page, pages)


def approved_threads(piece: Piece) -> tuple[list[Thread], int]:
    """The approved comments of a piece, oldest first, replies under their parents; one query."""
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.piece_id == piece.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    threads = {comment.id: Thread(comment) for comment in comments}
    roots: list[Thread] = []
    for comment in comments:
        parent = threads.get(comment.parent_id) if comment.parent_id else None
        # A reply whose parent is no longer public stands on its own.
        (parent.replies if parent else roots).append(threads[comment.id])
    return roots, len(comments)


def approved_comment(piece: Piece, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.piece_id != piece.id or comment.status != CommentStatus.APPROVED:
        return None
    return comment


def queue(viewer: User | None, status: CommentStatus,
          piece_id: int | None = None):  # type: ignore[no-untyped-def]
    """The moderation queue of one state, newest first, with each comment's piece; only the
    comments of pieces the viewer may know of (a moderator: public ones)."""
    query = (
        select(Comment)
        .join(Comment.piece)
        .options(contains_eager(Comment.piece))
        .where(Comment.status == status, visible_to(viewer))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    if piece_id is not None:
        query = query.where(Comment.piece_id == piece_id)
    return query


def visible_comment(viewer: User | None, comment_id: int) -> Comment | None:
    """A comment, if its piece is one the viewer may know of."""
    return db.session.scalar(select(Comment).join(Comment.piece)
                             .where(Comment.id == comment_id, visible_to(viewer)))


def counts(viewer: User | None, piece_id: int | None = None) -> dict[CommentStatus, int]:
    query = (select(Comment.status, func.count(Comment.id)).join(Comment.piece)
             .where(visible_to(viewer)).group_by(Comment.status))
    if piece_id is not None:
        query = query.where(Comment.piece_id == piece_id)
    found = {status: number for status, number in db.session.execute(query)}
    return {status: found.get(status, 0) for status in CommentStatus}


# --- Moderating ----------------------------------------------------------------------------------


def moderate(user: User | None, comment_ids: Iterable[int], action: str) -> list[Comment]:
    """Apply `action` to the given comments where it applies; each change leaves an event."""
    require(user, Action.MODERATE)
    assert user is not None
    moderator = user
    if action not in ACTIONS:
        raise CommentError("action", f"Unknown action {action!r}.")
    applies_to, result = ACTIONS[action]
    ids = {int(i) for i in comment_ids}
    if not ids:
        return []
    now = utcnow()
    changed = []
    chosen = select(Comment).join(Comment.piece).where(Comment.id.in_(ids), visible_to(user))
    for comment in db.session.scalars(chosen):
        if comment.status not in applies_to:
            continue
        comment.status = result
        comment.moderated_by = moderator
        comment.moderated_at = now
        db.session.add(ModerationEvent(comment=comment, moderator=moderator, action=action, at=now))
        changed.append(comment)
    db.session.commit()
    return changed


def history(comment: Comment) -> list[ModerationEvent]:
    return list(db.session.scalars(
        select(ModerationEvent)
        .options(joinedload(ModerationEvent.moderator))
        .where(ModerationEvent.comment_id == comment.id)
        .order_by(ModerationEvent.at, ModerationEvent.id)
    ))
