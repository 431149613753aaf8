"""User accounts and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from cms.database import utcnow
from cms.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    WRITER = "writer"
    MODERATOR = "moderator"


def enum_column(kind: type[enum.Enum], name: str) -> Enum:
    """A string column limited to the enum's values by a named CHECK constraint."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        method = current_app.config["CMS_PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def can_write(self) -> bool:
        return self.role in {Role.ADMIN, Role.EDITOR, Role.WRITER}

    @property
    def can_edit_all(self) -> bool:
        return self.role in {Role.ADMIN, Role.EDITOR}

    @property
    def can_moderate(self) -> bool:
        return self.role in {Role.ADMIN, Role.EDITOR, Role.MODERATOR}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
