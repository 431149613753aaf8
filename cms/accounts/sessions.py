"""Logins kept on the server: the cookie carries a random id, the database its hash.

A cookie whose row is gone is anonymous, so ending a session (logout, password change,
reset, disabling, a new role) works even against a copy of the cookie. Each row keeps when
it started and a coarse browser family ("Firefox on Linux"): never the user agent, never
an address.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from cms.accounts.models import User, UserSession
from cms.database import utcnow
from cms.extensions import db

SESSION_KEY = "sid"
SEEN_EVERY = timedelta(minutes=5)  # how often a session's "last seen" is written (less than
# the session's lifetime, CMS_SESSION_LIFETIME, after which an unused session has ended)

_BROWSERS = (("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/|Chromium/"), ("Safari", r"Safari/"))
_SYSTEMS = (("Android", r"Android"), ("iOS", r"iPhone|iPad|iPod"), ("Windows", r"Windows"),
            ("macOS", r"Mac OS X|Macintosh"), ("Linux", r"Linux|X11"))


def browser_family(user_agent: str) -> str:
    """'Firefox on Linux', 'Safari on iOS', or 'Unknown browser': all that is kept of it."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown browser")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    """How long a session lives without a request (the cookie's own lifetime)."""
    return timedelta(seconds=current_app.permanent_session_lifetime.total_seconds())


def log_in(user: User) -> None:
    """A fresh session for `user` (no fixation: whatever the cookie held is dropped). Rows of
    sessions that ended by themselves (no request for their lifetime) go now."""
    session.clear()
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < utcnow() - _lifetime()))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token),
                               browser=browser_family(request.user_agent.string or "")))
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)
    session[SESSION_KEY] = token
    session.permanent = True


def current(user_id: int) -> UserSession | None:
    """The row of this request's session, if it is still a session of that user."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token),
                                                      UserSession.user_id == user_id))
    if row is not None and utcnow() - row.last_seen_at > _lifetime():
        db.session.delete(row)  # unused for its whole lifetime: it has ended
        db.session.commit()
        return None
    if row is not None and utcnow() - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = utcnow()
        db.session.commit()
    return row


def log_out() -> None:
    """End this session, on the server too, and drop the cookie's content."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_all(user: User, keep_current: bool = False) -> int:
    """End every session of `user` (all but this request's, with keep_current); how many."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    token = session.get(SESSION_KEY) if keep_current else None
    if isinstance(token, str):
        query = query.where(UserSession.token_hash != _hash(token))
    ended = db.session.execute(query).rowcount or 0
    db.session.commit()
    return ended


def of(user: User) -> list[UserSession]:
    """The sessions of a user, the newest first."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.created_at.desc(), UserSession.id.desc())))


def is_current(row: UserSession) -> bool:
    token = session.get(SESSION_KEY)
    return isinstance(token, str) and row.token_hash == _hash(token)
