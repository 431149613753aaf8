"""Index updates from SQLAlchemy session events, after the database commit.

after_flush notes which pieces changed (directly, or through their turns, participants,
tags or campaign); after_commit brings the index up to date; after_rollback forgets.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from cms.articles.models import Piece, Tag, piece_tags
from cms.campaigns.models import Campaign
from cms.interviews.models import Participant, Turn

KEY = "search_changes"


def _changes(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(KEY, {"pieces": set(), "tags": set(), "campaigns": set()})


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A deleted tag or campaign: note its pieces now, while the links are still there."""
    tags = [obj.id for obj in session.deleted if isinstance(obj, Tag)]
    campaigns = [obj.id for obj in session.deleted if isinstance(obj, Campaign)]
    if not (tags or campaigns):
        return
    pieces = _changes(session)["pieces"]
    with session.no_autoflush:
        if tags:
            pieces |= set(session.scalars(
                select(piece_tags.c.piece_id).where(piece_tags.c.tag_id.in_(tags))))
        if campaigns:
            pieces |= set(session.scalars(select(Piece.id).where(Piece.campaign_id.in_(campaigns))))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    changes: dict[str, set[int]] | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Piece):
            target, value = "pieces", obj.id
        elif isinstance(obj, Turn | Participant):
            target, value = "pieces", obj.piece_id
        elif isinstance(obj, Tag) and obj not in session.new:
            target, value = "tags", obj.id
        elif isinstance(obj, Campaign) and obj not in session.new:
            target, value = "campaigns", obj.id
        else:
            continue
        if value is not None:
            changes = changes or _changes(session)
            changes[target].add(value)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    changes = session.info.pop(KEY, None)
    if not changes or not any(changes.values()) or not has_app_context():
        return
    from cms.search.services import update_index

    update_index(changes["pieces"], changes["tags"], changes["campaigns"])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)
