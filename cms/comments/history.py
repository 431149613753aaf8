"""A commenter's history for moderators: what became of their earlier comments.

Comments are matched only by `Comment.email_hash` (a keyed hash of the e-mail address),
never by address, cookie or anything of the connection. The history informs a moderator's
choice; nothing is approved because of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.articles.services import visible_to
from cms.comments.models import Comment, CommentStatus
from cms.extensions import db

HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Earlier:
    """How many earlier comments from the same e-mail ended in each state."""

    approved: int = 0
    spam: int = 0
    deleted: int = 0


def commenter_hash(value: str | None) -> str | None:
    """An e-mail hash from a query string, or None for anything that cannot be one."""
    return value if value and HASH.fullmatch(value) else None


def earlier_comments(viewer: User | None, comments: Sequence[Comment]) -> dict[int, Earlier]:
    """For each comment with an e-mail hash, its author's earlier comments on pieces the viewer
    may know of, by state; one grouped query for the whole page."""
    ids = [comment.id for comment in comments if comment.email_hash]
    if not ids:
        return {}
    other = aliased(Comment)
    earlier = or_(other.created_at < Comment.created_at,
                  and_(other.created_at == Comment.created_at, other.id < Comment.id))
    rows = db.session.execute(
        select(Comment.id, other.status, func.count(other.id))
        .join(other, and_(other.email_hash == Comment.email_hash, earlier))
        .join(Piece, Piece.id == other.piece_id)
        .where(Comment.id.in_(ids), visible_to(viewer),
               other.status.in_([CommentStatus.APPROVED, CommentStatus.SPAM,
                                 CommentStatus.DELETED]))
        .group_by(Comment.id, other.status)
    )
    found: dict[int, dict[str, int]] = {comment_id: {} for comment_id in ids}
    for comment_id, status, number in rows:
        found[comment_id][CommentStatus(status).value] = number
    return {comment_id: Earlier(**numbers) for comment_id, numbers in found.items()}
