"""Keyed hashes that recognise a commenter or a reader's withdraw key without storing either.

`email_hash` finds the same commenter's earlier comments (moderators' history): an HMAC of
the folded address under a key derived from SECRET_KEY, so the database alone cannot be
searched for an address. `new_withdraw_key` is the secret a reader gets once, on the
thank-you page; only its SHA-256 is stored. `recompute_email_hashes` makes the e-mail hashes
again under this site's key after a restore (backups never hold the key: decision 0008).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import or_, select, update

from cms.comments.models import Comment
from cms.extensions import db


def keyed_hash(purpose: str, value: str) -> str:
    """An HMAC of `value` under a key derived from SECRET_KEY for this purpose: stable while
    the secret is, and no use to anyone who has only the database."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def email_hash(email: str | None) -> str | None:
    """The keyed hash of an address (case and surrounding spaces ignored); None without one."""
    address = (email or "").strip().casefold()
    return keyed_hash("commenter-email", address) if address else None


def new_withdraw_key() -> str:
    """A fresh secret for withdrawing one comment (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def withdraw_hash(key: str | None) -> str | None:
    """What is stored of a withdraw key; None for an empty one."""
    if not key:
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def recompute_email_hashes(batch: int = 1000) -> int:
    """Hash every comment's address again under this site's key, after a restore onto another
    SECRET_KEY (the hashes derive from the addresses kept beside them); how many changed."""
    changed, after = 0, 0
    with_address = or_(Comment.author_email != "", Comment.email_hash.is_not(None))
    while rows := db.session.execute(
            select(Comment.id, Comment.author_email, Comment.email_hash)
            .where(with_address, Comment.id > after).order_by(Comment.id).limit(batch)).all():
        fresh = {row.id: email_hash(row.author_email) for row in rows}
        updates = [{"id": row.id, "email_hash": fresh[row.id]} for row in rows
                   if row.email_hash != fresh[row.id]]
        if updates:
            db.session.execute(update(Comment), updates)  # by primary key, outside the unit of work
        db.session.commit()
        changed, after = changed + len(updates), rows[-1].id
    return changed
