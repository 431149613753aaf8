"""Account rules: creating users, roles, and checking credentials."""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from cms.accounts import sessions
from cms.accounts.models import User
from cms.audit import AuditAction, record
from cms.extensions import db
from cms.permissions import Role
from cms.rules import clean_name

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account change that breaks a rule; the message is meant for people, `field` (when
    known) names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return email.strip().lower()


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords (common_passwords.md says where they come from)."""
    listed = resources.files("cms.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in listed.splitlines() if line.strip())


def check_password_rules(password: str, email: str) -> None:
    """Refuse passwords that are short, that are the email address, or that everyone uses."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip().lower() == normalize_email(email):
        raise AccountError("The password must not be the email address.")
    if password.strip().lower() in common_passwords():
        raise AccountError("That password is among the 10,000 most common ones: choose another.")


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(email: str, name: str, role: Role | str, password: str, *,
                by: User | None = None) -> User:
    """Create an active user; the email is unique regardless of case. `by`: the admin (for
    the audit log; None is the command line)."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address.")
    name = clean_name(name)
    if not name:
        raise AccountError("The name is required.")
    if find_by_email(email) is not None:
        raise AccountError(f"A user with the email {email} already exists.")
    check_password_rules(password, email)
    user = User(email=email, display_name=name, role=Role(role), active=True)
    user.set_password(password)
    db.session.add(user)
    record(by, AuditAction.USER_CREATE, subject=name, detail=f"as {user.role.value}")
    db.session.commit()
    return user


def set_role(user: User, role: Role | str, *, by: User | None = None) -> User:
    """A new role ends every session of the user: what they may do is asked again at login."""
    if user.role != Role(role):
        record(by, AuditAction.USER_ROLE, subject=user.display_name,
               detail=f"{user.role.value} → {Role(role).value}")
        user.role = Role(role)
        sessions.end_all(user)
    db.session.commit()
    return user


def disable(user: User, *, by: User | None = None) -> User:
    """The user can no longer log in, and every session of theirs ends now (in the commit
    that also writes the audit event)."""
    if user.active:
        record(by, AuditAction.USER_DISABLE, subject=user.display_name)
    user.active = False
    sessions.end_all(user)
    return user


def enable(user: User, *, by: User | None = None) -> User:
    if not user.active:
        record(by, AuditAction.USER_ENABLE, subject=user.display_name)
    user.active = True
    db.session.commit()
    return user


def set_password(user: User, password: str) -> User:
    """A new password (by an admin, the CLI or a reset link): every session of the user ends."""
    check_password_rules(password, user.email)
    user.set_password(password)
    sessions.end_all(user)
    return user


def change_password(user: User, current: str, new: str) -> User:
    """The user's own change: the current password first. Every session ends (the view then
    starts a fresh one for this browser)."""
    if not user.check_password(current):
        raise AccountError("The current password is not right.", "current")
    return set_password(user, new)


def change_profile(user: User, name: str, email: str, password: str) -> User:
    """A new name or e-mail address; a new address needs the password."""
    name, email = clean_name(name), normalize_email(email)
    if not name:
        raise AccountError("The name is required.", "display_name")
    if email != user.email:
        if "@" not in email or len(email) > 254:
            raise AccountError(f"{email!r} is not an email address.")
        if not user.check_password(password):
            raise AccountError("To change the e-mail address, give your current password.", "password")
        other = find_by_email(email)
        if other is not None and other.id != user.id:
            raise AccountError(f"A user with the email {email} already exists.")
        user.email = email
    user.display_name = name
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (without saying which part failed)."""
    user = find_by_email(email)
    if user is None:
        # Spend the same time as a real check so timing does not reveal accounts.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["CMS_PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not a real password", method=method)
