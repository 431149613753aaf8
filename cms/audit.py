"""The audit log: who did which consequential thing to what, and when, at /desk/audit.

Services call `record(...)` right before their commit, so an event is written with the change
it describes or not at all (a refused or failed change leaves none). An event keeps the names
as they were (the person's display name, the piece's or campaign's title), so it still reads
after an account is renamed or a piece purged; it never holds comment text, blocked words,
e-mail or IP addresses. Below every domain: it imports none of them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Protocol

from flask import Blueprint, Flask, render_template, request
from sqlalchemy import ForeignKey, Integer, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column

from cms.database import enum_column, utcnow
from cms.extensions import db
from cms.forms import requested_page
from cms.permissions import Action, permission_required
from cms.rules import small_int

PER_PAGE = 50
DETAIL_MAX = 200
SUBJECT_MAX = 300


class AuditAction(enum.StrEnum):
    PUBLISH = "publish"
    PUBLISH_CHANGES = "publish changes"
    UNPUBLISH = "unpublish"
    TRASH = "trash"
    RESTORE = "restore"
    PURGE = "purge"
    CAMPAIGN_CREATE = "campaign create"
    CAMPAIGN_EDIT = "campaign edit"
    USER_CREATE = "user create"
    USER_ROLE = "user role"
    USER_DISABLE = "user disable"
    USER_ENABLE = "user enable"
    BLOCKED_WORDS = "blocked words"

    @property
    def label(self) -> str:
        """What the audit page says was done."""
        return LABELS[self]


LABELS = {
    AuditAction.PUBLISH: "Published", AuditAction.PUBLISH_CHANGES: "Published changes",
    AuditAction.UNPUBLISH: "Unpublished",
    AuditAction.TRASH: "Moved to the trash", AuditAction.RESTORE: "Restored from the trash",
    AuditAction.PURGE: "Purged from the trash", AuditAction.CAMPAIGN_CREATE: "Created a campaign",
    AuditAction.CAMPAIGN_EDIT: "Changed a campaign", AuditAction.USER_CREATE: "Created an account",
    AuditAction.USER_ROLE: "Changed a role", AuditAction.USER_DISABLE: "Disabled an account",
    AuditAction.USER_ENABLE: "Enabled an account", AuditAction.BLOCKED_WORDS: "Set the blocked words",
}

NO_ACTOR = {AuditAction.PURGE: "the purge"}
"""Who an event without an account names; anything else without one came from the command line."""


class Actor(Protocol):
    id: int
    display_name: str


class Titled(Protocol):
    id: int
    title: str


class AuditEvent(db.Model):
    """One consequential action. `piece_id` has no foreign key: a purged piece's events stay."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120))  # as it was, or "the purge"
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, "action"))
    piece_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), default="")  # a title or a name, as it was
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX), default="")

    def affects_public_pages(self) -> bool:
        return False


def record(actor: Actor | None, action: AuditAction, *, piece: Titled | None = None,
           subject: str = "", detail: str = "") -> AuditEvent:
    """Add an event to the current session: it commits with the change, or not at all."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else NO_ACTOR.get(action, "the command line"),
        action=action,
        piece_id=piece.id if piece is not None else None,
        subject=(piece.title if piece is not None else subject)[:SUBJECT_MAX],
        detail=detail[:DETAIL_MAX],
        at=utcnow(),
    )
    db.session.add(event)
    return event


def events(person: int | None = None, piece: int | None = None) -> Select[tuple[AuditEvent]]:
    """The events, the newest first, of one person and/or about one piece."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if person is not None:
        query = query.where(AuditEvent.actor_id == person)
    if piece is not None:
        query = query.where(AuditEvent.piece_id == piece)
    return query


def people() -> list[tuple[int, str]]:
    """(account id, latest name) of everyone who appears in the log, by name."""
    rows = db.session.execute(select(AuditEvent.actor_id, AuditEvent.actor_name)
                              .where(AuditEvent.actor_id.is_not(None))
                              .order_by(AuditEvent.id.desc()))
    names: dict[int, str] = {}
    for actor_id, name in rows:
        names.setdefault(actor_id, name)
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


def piece_title(piece: int) -> str | None:
    """The latest title the log knows for a piece, for the filter's heading."""
    return db.session.scalar(select(AuditEvent.subject).where(AuditEvent.piece_id == piece)
                             .order_by(AuditEvent.id.desc()).limit(1))


bp = Blueprint("audit", __name__, url_prefix="/desk/audit")


@bp.route("")
@permission_required(Action.SEE_AUDIT)
def index() -> str:
    """The log, paged, filtered by ?person=<account id> and ?piece=<piece id>."""
    filters: dict[str, Any] = {"person": small_int(request.args.get("person")),
                               "piece": small_int(request.args.get("piece"))}
    page = db.paginate(events(**filters), page=requested_page(), per_page=PER_PAGE,
                       error_out=False)
    title = piece_title(filters["piece"]) if filters["piece"] else None
    return render_template("desk/audit.html", page=page, filters=filters, people=people(),
                           piece_title=title)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
