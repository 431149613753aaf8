"""Rules for comments: posting, closing, threading, and every moderation action."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_number, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from cms import ratelimit
from cms.accounts.models import User
from cms.articles.models import Piece
from cms.articles.services import visible_to
from cms.audit import AuditAction, record
from cms.comments import identity, mail, screening
from cms.comments.models import Comment, CommentStatus, ModerationEvent, SiteSetting
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, require
from cms.rules import RuleError, accepted_text, blank, clean_name
from cms.search.analysis import fold
from cms.textformat import normalize_newlines, plain_text_to_html

log = logging.getLogger(__name__)

NAME_MAX = 80
EMAIL_MAX = 254
BODY_MAX = 5000
BLOCKED_WORDS = "blocked_words"
HELD_REASON_MAX = 120  # Comment.held_reason
DUPLICATE = _l("You sent this comment a moment ago; it is waiting for a moderator.")
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


class AlreadySent(CommentError):
    """The same reader's same words on the same piece, a moment ago: nothing to correct."""


# --- Open or closed ------------------------------------------------------------------------------


def closed_reason(piece: Piece, now: datetime | None = None) -> str | None:
    """Why readers may not comment on `piece`, or None while comments are open."""
    if not piece.comments_open:
        return gettext("Comments on this piece have been closed by a moderator.")
    days = current_app.config.get("CMS_COMMENTS_CLOSE_AFTER_DAYS")
    if days is not None and piece.published_at is not None:
        if (now or utcnow()) >= piece.published_at + timedelta(days=days):
            return ngettext("Comments close %(count)s day after publishing; this piece is older.",
                            "Comments close %(count)s days after publishing; this piece is older.",
                            days, count=format_number(days))
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
    problems = [found for found in map(screening.problem, words) if found]
    if problems:
        raise CommentError("words", " ".join(problems[:5]) + " Nothing was saved.")
    before = set(blocked_words())
    setting = db.session.get(SiteSetting, BLOCKED_WORDS) or SiteSetting(name=BLOCKED_WORDS)
    setting.value = "\n".join(words)
    db.session.add(setting)
    # How many, never which: the words may name people or say what moderators look for.
    record(user, AuditAction.BLOCKED_WORDS, detail=f"{len(words)} entries: {len(set(words) - before)} "
           f"added, {len(before - set(words))} removed")
    db.session.commit()
    return words


def contains_blocked_word(*texts: str) -> str | None:
    """The first blocked word or phrase the texts hold, as the admin typed it; None if none
    (whole words, folded as search folds them: cms/comments/screening.py)."""
    return screening.Blocklist(blocked_words()).first_in(*texts)


def _held_reason(name: str, email: str, body: str) -> str:
    """Why a comment goes straight to spam for what it says, or "" when it does not."""
    word = contains_blocked_word(name, email, body)
    if word is not None:
        return f"blocked word: {word}"[:HELD_REASON_MAX]
    most = current_app.config.get("CMS_COMMENT_MAX_LINKS")
    if most is not None and screening.link_count(name) + screening.link_count(body) > most:
        return "too many links"
    return ""


def _duplicate_key(piece: Piece, name: str, reader: str, body: str) -> str:
    """The same reader's same words on the same piece, as a keyed hash (the counter store
    never holds a name or a text)."""
    said = "\0".join((str(piece.id), " ".join(fold(name).split()), reader, body.strip()))
    return "comment:" + identity.keyed_hash("comment-duplicate", said)


def _claim_once(key: str) -> bool:
    """Whether this comment is new for CMS_COMMENT_DUPLICATE_MINUTES; a broken counter store
    lets it through."""
    minutes = current_app.config["CMS_COMMENT_DUPLICATE_MINUTES"]
    try:
        return ratelimit.counter().claim(key, int(time.time()) + int(minutes * 60))
    except Exception:  # a broken Redis must not stop readers commenting
        log.warning("comment duplicates: the counter store failed")
        return True


def _release(key: str) -> None:
    try:
        ratelimit.counter().release(key)
    except Exception:
        log.warning("comment duplicates: the counter store failed")


def _validate(name: str, email: str, body: str) -> None:
    if blank(name):
        raise CommentError("name", gettext("Your name is required."))
    if len(name) > NAME_MAX:
        raise CommentError("name", gettext("Your name may have at most %(max)s characters.",
                                           max=format_number(NAME_MAX)))
    if len(email) > EMAIL_MAX:
        raise CommentError("email", gettext("The email address may have at most %(max)s characters.",
                                            max=format_number(EMAIL_MAX)))
    if blank(body):
        raise CommentError("body", gettext("The comment is empty."))
    if len(body) > BODY_MAX:
        raise CommentError("body", gettext("The comment may have at most %(max)s characters.",
                                           max=format_number(BODY_MAX)))


def _parent(piece: Piece, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.piece_id != piece.id or parent.status != CommentStatus.APPROVED:
        raise CommentError("body", gettext("You can only reply to a published comment on this piece."))
    return parent


def post_comment(piece: Piece, name: str, email: str, body: str, parent_id: int | None = None,
                 *, held: str = "", client: str = "") -> Comment:
    """A new comment: pending, or spam with its reason (`held`: "honeypot", "too fast"; a
    blocked word, too many links). `client` (cms.ratelimit.client_key, never the address)
    tells readers without an e-mail apart: the same reader's same words on the same piece
    within CMS_COMMENT_DUPLICATE_MINUTES are refused. The returned comment carries its
    withdraw key once, as `withdraw_key`."""
    name, email, body = clean_name(name), clean_text(email).strip(), clean_text(body)
    _validate(name, email, body)
    if not piece.is_public():
        raise CommentError("body", gettext("This piece is not published."))
    reason = closed_reason(piece)
    if reason:
        raise CommentError("body", reason)
    parent = _parent(piece, parent_id)
    html = plain_text_to_html(body)
    if not html:
        raise CommentError("body", gettext("The comment is empty."))
    held = held or _held_reason(name, email, body)
    email_hash = identity.email_hash(email)
    once = _duplicate_key(piece, name, email_hash or f"client:{client}", body)
    if not _claim_once(once):
        raise AlreadySent("body", DUPLICATE)
    key = identity.new_withdraw_key()
    comment = Comment(piece=piece, parent=parent, author_name=name, author_email=email, body=body,
                      body_html=html, status=CommentStatus.SPAM if held else CommentStatus.PENDING,
                      held_reason=held, email_hash=email_hash,
                      withdraw_hash=identity.withdraw_hash(key))
    try:
        db.session.add(comment)
        db.session.commit()
    except Exception:
        db.session.rollback()
        _release(once)  # not saved: the same words may be sent again
        raise
    comment.withdraw_key = key  # type: ignore[attr-defined]  # shown once, never stored
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


def queue(viewer: User | None, status: CommentStatus, piece_id: int | None = None,
          commenter: str | None = None):  # type: ignore[no-untyped-def]
    """The moderation queue of one state, with each comment's piece: pending ones oldest first
    (the reader who waited longest comes first), the others newest first; only the comments of
    pieces the viewer may know of (a moderator: public ones), of one piece or one commenter's
    e-mail hash when given."""
    order = ((Comment.created_at, Comment.id) if status == CommentStatus.PENDING
             else (Comment.created_at.desc(), Comment.id.desc()))
    query = (
        select(Comment)
        .join(Comment.piece)
        .options(contains_eager(Comment.piece))
        .where(Comment.status == status, visible_to(viewer))
        .order_by(*order)
    )
    if piece_id is not None:
        query = query.where(Comment.piece_id == piece_id)
    if commenter is not None:
        query = query.where(Comment.email_hash == commenter)
    return query


def visible_comment(viewer: User | None, comment_id: int) -> Comment | None:
    """A comment, if its piece is one the viewer may know of."""
    return db.session.scalar(select(Comment).join(Comment.piece)
                             .where(Comment.id == comment_id, visible_to(viewer)))


def counts(viewer: User | None, piece_id: int | None = None, commenter: str | None = None,
           only: CommentStatus | None = None) -> dict[CommentStatus, int]:
    """Comments in each state the viewer may know of, in one grouped query (`only` one state:
    the header's pending count)."""
    query = (select(Comment.status, func.count(Comment.id)).join(Comment.piece)
             .where(visible_to(viewer)).group_by(Comment.status))
    if piece_id is not None:
        query = query.where(Comment.piece_id == piece_id)
    if commenter is not None:
        query = query.where(Comment.email_hash == commenter)
    if only is not None:
        query = query.where(Comment.status == only)
    found = {status: number for status, number in db.session.execute(query)}
    return {status: found.get(status, 0) for status in CommentStatus}


# --- Moderating ----------------------------------------------------------------------------------


def moderate(user: User | None, comment_ids: Iterable[int], action: str) -> list[Comment]:
    """Apply `action` to the given comments where it applies (never to one its reader
    withdrew); each change leaves an event."""
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
        if comment.status not in applies_to or comment.withdrawn_at is not None:
            continue  # a comment the reader withdrew stays withdrawn
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
