"""Account rules: creating users, roles, and checking credentials."""

from __future__ import annotations

from functools import cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from cms import ratelimit
from cms.accounts.models import User
from cms.extensions import db
from cms.permissions import Role
from cms.rules import clean_name

MIN_PASSWORD_LENGTH = 12
# After this many failed logins for one account or from one client in a window, wait.
LOGIN_FAILURES = 5
LOGIN_WINDOW = 15 * 60


class AccountError(ValueError):
    """An account change that breaks a rule; the message is meant for people."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str, email: str) -> None:
    """Refuse passwords that are short or that are the email address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip().lower() == normalize_email(email):
        raise AccountError("The password must not be the email address.")


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(email: str, name: str, role: Role | str, password: str) -> User:
    """Create an active user; the email is unique regardless of case."""
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
    db.session.commit()
    return user


def set_role(user: User, role: Role | str) -> User:
    user.role = Role(role)
    db.session.commit()
    return user


def disable(user: User) -> User:
    user.active = False
    db.session.commit()
    return user


def _login_keys(email: str, address: str | None) -> list[str]:
    secret = current_app.config["SECRET_KEY"]
    return [ratelimit.client_key(normalize_email(email), secret, purpose="login-account"),
            ratelimit.client_key(address, secret, purpose="login-client")]


def login_wait(email: str, address: str | None) -> int:
    """Seconds to wait before another login attempt for this account or client (0: none)."""
    counts = [ratelimit.counter().count(key, LOGIN_WINDOW) for key in _login_keys(email, address)]
    return ratelimit.seconds_left(LOGIN_WINDOW) if max(counts) >= LOGIN_FAILURES else 0


def record_login_failure(email: str, address: str | None) -> None:
    for key in _login_keys(email, address):
        ratelimit.counter().hit(key, LOGIN_WINDOW)


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
