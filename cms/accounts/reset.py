"""Password-reset links: signed, good for one hour and once, never for a disabled account.

A link's token carries the user's id and a short HMAC of their current password hash:
setting a password through the link changes the hash, so the same link is refused
afterwards (as is every older link of that user). Nothing is stored for a link. Asking for
one by e-mail is counted per client (HMACs of the address, rotating daily) so the form cannot
flood an inbox. No `request` here: the views, the admin screens and the CLI call this.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from cms import mail, ratelimit
from cms.accounts.models import User
from cms.accounts.services import normalize_email
from cms.extensions import db
from cms.links import external_url

SALT = "cms.password-reset"
MAX_AGE = 3600  # seconds a link works
ENDPOINT = "password_reset.new_password"
MAX_TOKEN_LENGTH = 400  # a real token is about 100 characters
# Requests for a link, per client: (window in seconds, requests allowed in it).
CLIENT_LIMITS = ((3600, 5),)
# Mails to one address: past this, a request is answered as always and nothing is sent.
ADDRESS_LIMIT = (3600, 3)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """A short HMAC of the user's password hash: it changes with the password."""
    key = current_app.config["SECRET_KEY"].encode()
    data = f"{SALT}:{user.id}:{user.password_hash}".encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset_token(token: str | None, max_age: int = MAX_AGE) -> User | None:
    """The active user a token was made for, if it is ours, younger than `max_age` seconds and
    their password has not changed since; otherwise None (the reason is not told)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        data: Any = _serializer().loads(token, max_age=max_age)
        user_id, fingerprint = int(data["u"]), str(data["p"])
    except (BadData, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user


def reset_link(user: User) -> str:
    """The absolute address of a new link for `user`, on CMS_BASE_URL (external_url says what
    it falls back to without one)."""
    return external_url(ENDPOINT, token=make_reset_token(user))


def _site() -> str:
    return str(current_app.config["CMS_SITE_NAME"])


def send_reset_mail(user: User) -> bool:
    """E-mail `user` a link to set a new password; False when mail is off or sending failed."""
    text = (
        f"Someone, we hope you, asked to set a new password for {user.email} on {_site()}.\n"
        f"Open this link to choose it:\n\n{reset_link(user)}\n\n"
        "The link works for one hour and once. If you did not ask for it, ignore this mail: "
        "your password stays as it is.\n"
    )
    return mail.send([user.email], f"[{_site()}] Set a new password", text)


def send_welcome_mail(user: User) -> bool:
    """E-mail a new user the link to choose their first password."""
    text = (
        f"An account on {_site()} was made for you ({user.email}, role: {user.role}).\n"
        f"Open this link to choose your password:\n\n{reset_link(user)}\n\n"
        "The link works for one hour and once. After that, ask for a new one at "
        f"{external_url('password_reset.ask')}\n"
    )
    return mail.send([user.email], f"[{_site()}] Your account", text)


def count_request(email: str, address: str | None) -> bool:
    """Count a request for a link from a client (`address`) for `email`: RateLimited past the
    client's limit; False when that e-mail address has had its share of mails this hour
    (nothing is sent then, and the answer does not say so). Counted before the address is
    looked up, so known and unknown addresses count alike."""
    secret = current_app.config["SECRET_KEY"]
    client = ratelimit.client_key(address, secret, purpose="reset-client")
    ratelimit.hit_limits([(client, window, allowed) for window, allowed in CLIENT_LIMITS],
                         "Too many requests for a password link from here.")
    window, allowed = ADDRESS_LIMIT
    target = ratelimit.client_key(normalize_email(email), secret, purpose="reset-address")
    return ratelimit.counter().hit(target, window) <= allowed
