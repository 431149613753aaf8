"""Index updates from SQLAlchemy session events, after the database commit.

after_flush notes which pieces changed (directly, or through one of their parts such as an
interview's turns, their tags or their campaign); before_commit writes an engine that lives
in the database (PostgreSQL) in that same transaction; after_commit brings any other index
(Whoosh) up to date; after_rollback forgets. `init_app` registers them, once per process.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from cms.articles.models import Piece, PiecePart, Tag, piece_tags
from cms.campaigns.models import Campaign
from cms.search import services
from cms.search.backend import get_backend

KEY = "search_changes"


def _changes(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(KEY, {"pieces": set(), "tags": set(), "campaigns": set()})


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


def _after_flush(session: Session, _context: Any) -> None:
    changes: dict[str, set[int]] | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Piece):
            target, value = "pieces", obj.id
        elif isinstance(obj, PiecePart):
            target, value = "pieces", obj.piece_id  # type: ignore[attr-defined]
        elif isinstance(obj, Tag) and obj not in session.new:
            target, value = "tags", obj.id
        elif isinstance(obj, Campaign) and obj not in session.new:
            target, value = "campaigns", obj.id
        else:
            continue
        if value is not None:
            changes = changes or _changes(session)
            changes[target].add(value)


def _before_commit(session: Session) -> None:
    """An engine in the database is written now, inside the transaction being committed."""
    if not has_app_context() or not get_backend().transactional:
        return
    session.flush()  # the last changes are noted by _after_flush
    changes = session.info.pop(KEY, None)
    if changes and any(changes.values()):
        services.write_in_transaction(session, changes)


def _after_commit(session: Session) -> None:
    changes = session.info.pop(KEY, None)
    if not changes or not any(changes.values()) or not has_app_context():
        return
    services.update_index(changes["pieces"], changes["tags"], changes["campaigns"])


def _after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)


HOOKS = {"before_flush": _before_flush, "after_flush": _after_flush, "before_commit": _before_commit,
         "after_commit": _after_commit, "after_rollback": _after_rollback}


def init_app(app: Flask) -> None:
    """Check the engine's settings now (not at the first search), and listen to every session
    (the events are per process, whichever app commits)."""
    get_backend(app)
    for name, hook in HOOKS.items():
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
