"""The trash: deleting as writers see it, restoring within CMS_TRASH_DAYS, and the purge that
deletes for good what has waited longer."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from cms.accounts.models import User
from cms.articles.models import Image, Piece, Revision
from cms.articles.services import PieceError, discard_unused_images
from cms.audit import AuditAction, record
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, can, require


def trash_piece(piece: Piece, user: User) -> Piece:
    """Delete as writers see it: the piece leaves every public page, feed, the index and the
    desk list, and waits in the trash CMS_TRASH_DAYS with its comments, history and slug."""
    require(user, Action.EDIT_PIECE, piece)
    piece.trashed_at = utcnow()
    piece.trashed_by_id = user.id
    flag_modified(piece, "updated_at")  # not an edit: restored, it is as it was
    record(user, AuditAction.TRASH, piece=piece)
    db.session.commit()
    return piece


def trash_expiry(piece: Piece) -> datetime | None:
    """When a trashed piece can no longer be restored (and `trash purge` deletes it)."""
    if piece.trashed_at is None:
        return None
    return piece.trashed_at + timedelta(days=current_app.config["CMS_TRASH_DAYS"])


def restore_piece(piece: Piece, user: User, now: datetime | None = None) -> Piece:
    """Take a piece out of the trash in the state it had (published stays published, if its
    date says so); editors and admins only, within CMS_TRASH_DAYS."""
    require(user, Action.EDIT_ANY_PIECE)
    expiry = trash_expiry(piece)
    if expiry is None:
        raise PieceError("trash", f"“{piece.title}” is not in the trash.")
    if expiry <= (now or utcnow()):
        days = current_app.config["CMS_TRASH_DAYS"]
        raise PieceError("trash", f"“{piece.title}” has been in the trash for more than {days} "
                         "days: it can no longer be restored, and the next purge deletes it.")
    piece.trashed_at = None
    piece.trashed_by_id = None
    flag_modified(piece, "updated_at")
    record(user, AuditAction.RESTORE, piece=piece)
    db.session.commit()
    return piece


def trashed_pieces(user: User) -> Select[tuple[Piece]]:
    """The trash a user sees: their own pieces in it, or every one for editors and admins,
    the most recently trashed first."""
    query = (select(Piece).where(Piece.trashed_at.is_not(None))
             .options(selectinload(Piece.trashed_by))
             .order_by(Piece.trashed_at.desc(), Piece.id.desc()))
    if not can(user, Action.EDIT_ANY_PIECE):
        query = query.where(Piece.author_id == user.id)
    return query


def purge_trash(now: datetime | None = None) -> int:
    """Delete for good the pieces trashed more than CMS_TRASH_DAYS ago; how many."""
    limit = (now or utcnow()) - timedelta(days=current_app.config["CMS_TRASH_DAYS"])
    ids = db.session.scalars(select(Piece.id).where(Piece.trashed_at <= limit)
                             .order_by(Piece.id)).all()
    for piece_id in ids:
        piece = db.session.get(Piece, piece_id)
        if piece is not None:
            _delete_for_good(piece)
    return len(ids)


def _delete_for_good(piece: Piece) -> None:
    """The row and what hangs on it: comments and their events, revisions, tag links and an
    interview's parts by ON DELETE CASCADE; its images when nothing else shows them."""
    images = {piece.image_id, *db.session.scalars(
        select(Revision.image_id).where(Revision.piece_id == piece.id))}
    record(None, AuditAction.PURGE, piece=piece,
           detail=f"in the trash since {piece.trashed_at:%Y-%m-%d}" if piece.trashed_at else "")
    db.session.delete(piece)
    db.session.flush()
    discard_unused_images(images)
    db.session.commit()


UNSAVED_UPLOAD_DAYS = 1  # a form that kept an upload brings it back for a day (the desk's token)


def purge_unsaved_uploads(now: datetime | None = None) -> int:
    """Delete images uploaded more than a day ago that no piece shows and no revision holds:
    uploads whose form was given up after another field was refused. How many."""
    limit = (now or utcnow()) - timedelta(days=UNSAVED_UPLOAD_DAYS)
    held = select(Revision.image_id).where(Revision.image_id.is_not(None))
    shown = select(Piece.image_id).where(Piece.image_id.is_not(None))
    ids = set(db.session.scalars(select(Image.id).where(
        Image.created_at <= limit, Image.id.not_in(held), Image.id.not_in(shown))))
    discard_unused_images(set(ids))
    db.session.commit()
    return len(ids)
