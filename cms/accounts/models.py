"""User accounts; what each role may do is cms/permissions.py's."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cms.database import enum_column, utcnow
from cms.extensions import db
from cms.permissions import Role


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in: the TOTP secret (base32) once enrolled, and the last time step
    # a code was accepted for (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None

    def affects_public_pages(self) -> bool:
        """Bylines show the name: a login, a password or two-factor change leave pages be."""
        state = inspect(self)
        if state.pending or state.deleted:
            return True
        private = {"last_login_at", "totp_secret", "totp_last_step", "password_hash"}
        return any(attr.history.has_changes() for attr in state.attrs if attr.key not in private)

    def set_password(self, password: str) -> None:
        method = current_app.config["CMS_PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """A login, on the server: the cookie holds a random id whose hash is stored here; a
    session without its row is anonymous, so ending one is deleting its row."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A coarse browser family ("Firefox on Linux"), never the user agent, never an address.
    browser: Mapped[str] = mapped_column(String(60), default="")

    user: Mapped[User] = relationship(back_populates="sessions")

    def affects_public_pages(self) -> bool:
        return False


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def affects_public_pages(self) -> bool:
        return False
