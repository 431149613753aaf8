"""Two-factor sign-in: time-based codes (TOTP, RFC 6238) from an authenticator app, and
single-use recovery codes for the day the phone is lost.

The secret is stored only once the user has typed a right code for it; until then it lives in
the enrolment form (signed, see twofactor_views). A code is good once: the time step it was
accepted for is kept, and a code of that step or an earlier one is refused. Recovery codes are
shown once and only their hashes are kept. CMS_REQUIRE_2FA names the roles that must use it.
No request here: views, the CLI and tests call these functions.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from cms import ratelimit
from cms.accounts import sessions
from cms.accounts.models import RecoveryCode, User
from cms.accounts.services import AccountError
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Role

DIGITS = 6
INTERVAL = 30  # seconds per time step
WINDOW = 1  # steps accepted either side of now: a phone's clock may be a little off
RECOVERY_CODES = 10
# Lower-case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4  # "abcd-efgh-jkmn": 12 characters, about 59 bits
WRONG_CODE = "That code is not right."
# Wrong codes for one account, from anywhere (the login throttle counts per client too): only
# someone who knows the password gets this far, so this limit cannot lock out anyone else.
ACCOUNT_CODE_LIMITS = ((15 * 60, 10), (86400, 30))

_SECRET = re.compile(r"[A-Z2-7]{32}")
_RECOVERY = re.compile(rf"[{ALPHABET}]{{{RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH}}}")
# What segno writes, and all an inline QR code may hold.
_SVG_ELEMENTS = {"svg", "title", "g", "path"}
_SVG_ATTRIBUTES = {"xmlns", "width", "height", "class", "transform", "fill", "stroke", "d"}
_SVG_NS = "{http://www.w3.org/2000/svg}"


def clock() -> float:
    """The current Unix time (tests replace it)."""
    return time.time()


# --- Settings ---------------------------------------------------------------------------------


def required_roles(value: str | None = None) -> frozenset[Role]:
    """The roles CMS_REQUIRE_2FA names ("admin,editor"); ValueError for a name that is no role,
    so that a typo cannot quietly leave a role without the requirement."""
    raw = current_app.config.get("CMS_REQUIRE_2FA") if value is None else value
    names = [name.strip().lower() for name in (raw or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in {role.value for role in Role}]
    if unknown:
        raise ValueError(f"CMS_REQUIRE_2FA names no such role: {', '.join(unknown)} "
                         f"(roles: {', '.join(role.value for role in Role)})")
    return frozenset(Role(name) for name in names)


def is_required(user: User) -> bool:
    """Whether the user's role must sign in with two factors."""
    return user.role in required_roles()


def enrolment_needed(user: User) -> bool:
    """A user whose role must use two-factor sign-in and who has not set it up yet."""
    return not user.two_factor and is_required(user)


# --- Secrets, the QR code ---------------------------------------------------------------------


def new_secret() -> str:
    """A fresh secret: 32 base32 characters, 160 bits (what RFC 4226 recommends)."""
    return pyotp.random_base32()


def is_secret(value: str | None) -> bool:
    return bool(value) and _SECRET.fullmatch(value or "") is not None


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app: 'ABCD EFGH ...'."""
    return " ".join(secret[start:start + 4] for start in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = current_app.config["CMS_SITE_NAME"]
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=user.email, issuer_name=issuer)


def qr_svg(uri: str, label: str = "QR code to scan with an authenticator app") -> Markup:
    """The QR code of `uri` as an inline <svg> element (no XML declaration, no data: URI, no
    other host), labelled for screen readers. Only segno's own elements and attributes are
    let through: anything else raises instead of reaching a page."""
    out = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, title=label, svgclass="qr", lineclass=None,
        scale=5, border=4, dark="#000", light="#fff", nl=False)
    svg = out.getvalue().decode("utf-8")
    _check_svg(svg)
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # checked above: nothing in it comes from a user


def _check_svg(svg: str) -> None:
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.removeprefix(_SVG_NS)
        if tag not in _SVG_ELEMENTS or not set(element.attrib) <= _SVG_ATTRIBUTES:
            raise ValueError(f"unexpected SVG from the QR code writer: <{tag}> {sorted(element.attrib)}")
        if any(re.search(r"[<>\"'&]|url\(|script", value, re.I) for value in element.attrib.values()):
            raise ValueError(f"unexpected SVG attribute value in <{tag}>")
    if not svg.startswith("<svg "):
        raise ValueError("unexpected SVG from the QR code writer: no <svg> at the start")


# --- Codes ------------------------------------------------------------------------------------


def _plain(code: str | None) -> str:
    """What was typed, without spaces and hyphens, digits of any script as ASCII, lower case."""
    text = unicodedata.normalize("NFKC", code or "")[:64]
    text = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)
    return re.sub(r"[\s\-]", "", text).lower()


def looks_like_totp(code: str | None) -> bool:
    return re.fullmatch(rf"[0-9]{{{DIGITS}}}", _plain(code)) is not None


def _matching_step(secret: str, code: str | None, after: int | None) -> int | None:
    """The time step (now, or one either side) whose code `code` is, if later than `after`."""
    typed = _plain(code)
    if not is_secret(secret) or re.fullmatch(rf"[0-9]{{{DIGITS}}}", typed) is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now = int(clock()) // INTERVAL
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):  # every step compared: no early exit
        if hmac.compare_digest(totp.generate_otp(step), typed) and (after is None or step > after):
            found = step if found is None else found
    return found


def verify_code(user: User, code: str | None) -> bool:
    """Whether `code` is the user's code for now (one step either side), and not used before:
    the step is claimed in one conditional UPDATE, so two requests with the same code cannot
    both pass."""
    if not user.two_factor:
        return False
    step = _matching_step(user.totp_secret or "", code, user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User).where(User.id == user.id, User.totp_secret == user.totp_secret,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.refresh(user)
    return bool(claimed)


def _new_recovery_code() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
                    for _ in range(RECOVERY_GROUPS))


def _hash(code: str) -> str:
    return generate_password_hash(_plain(code), method=current_app.config["CMS_PASSWORD_HASH_METHOD"])


def _replace_recovery_codes(user: User) -> list[str]:
    """New codes for the user (the old ones deleted), not yet committed; the codes themselves."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.expire(user, ["recovery_codes"])
    return codes


def use_recovery_code(user: User, code: str | None) -> bool:
    """Whether `code` is one of the user's unused recovery codes; if so it is used up now (in
    one conditional UPDATE: two requests cannot both use it)."""
    typed = _plain(code)
    if not user.two_factor or _RECOVERY.fullmatch(typed) is None:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).order_by(RecoveryCode.id)).all()
    match = None
    for row in unused:  # every hash checked, matching or not: the time says nothing
        if check_password_hash(row.code_hash, typed) and match is None:
            match = row
    if match is None:
        return False
    claimed = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.expire(user, ["recovery_codes"])
    return bool(claimed)


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- Turning it on and off --------------------------------------------------------------------


def enable(user: User, secret: str, code: str | None) -> list[str]:
    """Turn two-factor sign-in on with `secret`, once `code` proves the app has it; the user's
    other sessions (opened with the password alone) end. The recovery codes, to show once."""
    if user.two_factor:
        raise AccountError("Two-factor sign-in is already on.")
    if not is_secret(secret):
        raise AccountError("This set-up form is not valid: start again.")
    step = _matching_step(secret, code, None)
    if step is None:
        raise AccountError(WRONG_CODE, "code")
    claimed = db.session.execute(
        update(User).where(User.id == user.id, User.totp_secret.is_(None))
        .values(totp_secret=secret, totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:  # another request turned it on meanwhile
        db.session.rollback()
        raise AccountError("Two-factor sign-in is already on.")
    codes = _replace_recovery_codes(user)
    db.session.commit()
    db.session.refresh(user)
    sessions.end_all(user, keep_current=True)
    return codes


def _check_password(user: User, password: str | None) -> None:
    if not user.check_password(password or ""):
        raise AccountError("The password is not right.", "password")


def disable(user: User, password: str | None) -> User:
    """Turn it off (the password first): the secret and every recovery code are deleted, and
    every other session of the user ends."""
    _check_password(user, password)
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["recovery_codes"])
    db.session.commit()
    sessions.end_all(user, keep_current=True)
    return user


def regenerate_recovery_codes(user: User, password: str | None) -> list[str]:
    """Ten new recovery codes (the password first); the old ones stop working."""
    _check_password(user, password)
    if not user.two_factor:
        raise AccountError("Two-factor sign-in is off: there are no recovery codes.")
    codes = _replace_recovery_codes(user)
    db.session.commit()
    return codes


# --- Wrong codes, per account -----------------------------------------------------------------


def count_code_attempt(user: User) -> list[tuple[str, int]]:
    """Count a code attempt for the account; RateLimited past a limit. What was counted, to
    take back when the code is right."""
    key = ratelimit.client_key(str(user.id), current_app.config["SECRET_KEY"], purpose="login-2fa-account")
    counted, wait = [], 0
    for window, allowed in ACCOUNT_CODE_LIMITS:
        hits = ratelimit.counter().hit(key, window)
        counted.append((key, window))
        if hits > allowed:
            wait = max(wait, ratelimit.seconds_left(window))
    if wait:
        minutes = -(-wait // 60)
        raise ratelimit.RateLimited(
            f"Too many wrong codes for this account. Try again in {minutes:,} "
            f"minute{'' if minutes == 1 else 's'}.", wait)
    return counted


def code_attempt_succeeded(counted: Iterable[tuple[str, int]]) -> None:
    for key, window in counted:
        ratelimit.counter().undo(key, window)
