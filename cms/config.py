"""Configuration: defaults, then CMS_* environment variables, then the mapping passed in."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Every setting the CMS reads, with its default. The environment variable of a
# setting is its name with a CMS_ prefix where it has none already (SECRET_KEY is
# set by CMS_SECRET_KEY); CMS_DATABASE_URL sets SQLALCHEMY_DATABASE_URI.
DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # None: generated once into the instance folder
    "SQLALCHEMY_DATABASE_URI": None,  # None: SQLite file in the instance folder
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "CMS_SITE_NAME": "Campaign CMS",
    "CMS_TIMEZONE": "UTC",
    "CMS_PAGE_SIZE": 10,
    "CMS_FEED_SIZE": 20,
    "CMS_MAX_IMAGE_BYTES": 8 * 1024 * 1024,
    # The longest body (Markdown or transcript) a piece may have, in characters.
    "CMS_BODY_MAX_CHARS": 200_000,
    "CMS_IMAGE_MAX_DIMENSION": 1600,
    # Uploaded images with more pixels (width x height) than this are refused from their header,
    # before decoding: a small file can unpack to hundreds of MB (Pillow's own limit, about 89
    # megapixels, still applies when lower).
    "CMS_IMAGE_MAX_PIXELS": 40_000_000,
    "CMS_SQLITE_BUSY_TIMEOUT_MS": 5000,
    # werkzeug's password hash method; scrypt is slow on purpose.
    "CMS_PASSWORD_HASH_METHOD": "scrypt",
    # Roles that must sign in with a second factor (TOTP), comma-separated, e.g. "admin,editor":
    # they are sent to set it up at their next login. None: nobody must (anyone may).
    "CMS_REQUIRE_2FA": None,
    # Anonymous pages kept in the response cache at most this long (0: no cache).
    "CMS_PAGE_CACHE_SECONDS": 300,
    # Redis shared by every app server: rate limits, page cache. None: the database and memory.
    "CMS_REDIS_URL": None,
    "COMPRESS_ALGORITHM": ["gzip"],
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/atom+xml", "image/svg+xml",
                           "application/json"],
    "COMPRESS_MIN_SIZE": 500,
    # Comments: a form sent back sooner than this after it was served goes to spam.
    "CMS_COMMENT_MIN_SECONDS": 3,
    # How long the anonymous comment form's signed token stays valid (beyond any page cache).
    "CMS_COMMENT_FORM_MAX_AGE": 24 * 3600,
    # Comments from one client (an address's daily HMAC): an office or a café shares one
    # address, so a room of 20 can comment together; every comment waits for a moderator anyway.
    "CMS_COMMENT_RATE_PER_MINUTE": 20,
    # Comments on one piece from everyone together, a minute: stops a flood on one piece.
    "CMS_COMMENT_PIECE_RATE_PER_MINUTE": 30,
    # The same reader sending the same text to the same piece again within this many minutes
    # is told it was already sent.
    "CMS_COMMENT_DUPLICATE_MINUTES": 10,
    # Comments with more links than this are held as spam ("too many links"); None: no limit.
    "CMS_COMMENT_MAX_LINKS": None,
    # Spam and deleted comments are purged this many days later (`flask comments purge`).
    "CMS_COMMENT_RETENTION_DAYS": 30,
    # A deleted piece waits in the trash this many days, restorable by editors and admins,
    # before `flask trash purge` deletes it (with its comments, their history and its image).
    "CMS_TRASH_DAYS": 30,
    # Writers publish their own pieces (and their changes); off: they save drafts and changes
    # and an editor or admin publishes them.
    "CMS_WRITERS_PUBLISH": True,
    # The languages the desk offers for a piece (codes, comma-separated in the environment),
    # each shown in its own name (cms/languages.py).
    "CMS_LANGUAGES": ("en", "ru", "az"),
    # Commenters' e-mail addresses (and their keyed hash) are dropped after this many days.
    "CMS_COMMENTER_EMAIL_DAYS": 365,
    # Threads (a comment and its replies) per page under a piece: pages stay light.
    "CMS_COMMENTS_PER_PAGE": 10,
    "CMS_COMMENT_RATE_PER_DAY": 200,
    # Comments close automatically this many days after publishing (None: never).
    "CMS_COMMENTS_CLOSE_AFTER_DAYS": None,
    # E-mail to moderators when a new comment waits: off while CMS_MAIL_SERVER is unset.
    "CMS_MAIL_SERVER": None,
    "CMS_MAIL_PORT": 25,
    "CMS_MAIL_USE_TLS": False,
    "CMS_MAIL_USERNAME": None,
    "CMS_MAIL_PASSWORD": None,
    "CMS_MAIL_SENDER": None,
    # Served over HTTPS: HSTS, and the session cookie Secure with the __Host- prefix.
    "CMS_HTTPS": False,
    # The site's public address, e.g. https://news.example.org: feeds, e-mails and canonical
    # links are built from it, never from the Host header. The served app (wsgi.py) needs it.
    "CMS_BASE_URL": None,
    # The host names this site answers to, comma-separated (None: CMS_BASE_URL's host, or any
    # host when that is unset too). Any other Host header gets a 400.
    "CMS_TRUSTED_HOSTS": None,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed.
    "CMS_TRUSTED_PROXIES": 0,
    # Search: the engine behind cms/search/backend.py, and where its index lives
    # (None: instance/search). Writers wait this many seconds for the index lock.
    "CMS_SEARCH_BACKEND": "whoosh",
    "CMS_SEARCH_PATH": None,
    "CMS_SEARCH_PAGE_SIZE": 10,
    "CMS_SEARCH_LOCK_TIMEOUT": 10,
    # Readers behind blocking (cms/mirror/): other addresses of this site, comma-separated
    # (shown on /mirrors and /mirrors.json); the onion service's address (the Onion-Location
    # header of every public page). None: none.
    "CMS_MIRRORS": None,
    "CMS_ONION_URL": None,
    # The site in a sentence: the home page's description for search engines and sharing cards
    # (None: a sentence made from CMS_SITE_NAME).
    "CMS_SITE_DESCRIPTION": None,
    # Widths (pixels) in which lead images are stored, besides the uploaded size scaled to
    # CMS_IMAGE_MAX_DIMENSION: a phone downloads the smallest that fills its screen.
    "CMS_IMAGE_WIDTHS": "480,960",
}

# Environment names that differ from "CMS_" + the setting's name.
ENV_ALIASES = {
    "CMS_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "CMS_MAX_CONTENT_LENGTH": "MAX_CONTENT_LENGTH",
    "CMS_SESSION_LIFETIME": "PERMANENT_SESSION_LIFETIME",
}


def env_name(key: str) -> str:
    """The environment variable that sets a configuration key."""
    for env, target in ENV_ALIASES.items():
        if target == key:
            return env
    return key if key.startswith("CMS_") else f"CMS_{key}"


# Types of the settings whose default is None.
TYPES: dict[str, type] = {
    "CMS_BASE_URL": str,
    "CMS_TRUSTED_HOSTS": str,
    "CMS_COMMENTS_CLOSE_AFTER_DAYS": int,
    "CMS_COMMENT_MAX_LINKS": int,
    "CMS_SEARCH_PATH": str,
    "CMS_REQUIRE_2FA": str,
    "CMS_MIRRORS": str,
    "CMS_ONION_URL": str,
    "CMS_SITE_DESCRIPTION": str,
}


def _coerce(key: str, raw: str) -> Any:
    default = DEFAULTS.get(key)
    kind = TYPES.get(key, type(default))
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError(f"{env_name(key)} must be a whole number, not {raw!r}") from exc
    return raw


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings given as CMS_* environment variables, typed like their defaults."""
    found: dict[str, Any] = {}
    for key in DEFAULTS:
        name = env_name(key)
        if name in environ and environ[name] != "":
            found[key] = _coerce(key, environ[name])
    return found


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    # Written whole into a private temporary file, then linked into place: a worker
    # starting at the same moment sees either no key file or a complete one, never a
    # half-written (empty) key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        os.link(temporary, path)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text().strip()
    finally:
        os.unlink(temporary)
    return key


def resolve(values: dict[str, Any], instance_path: str) -> dict[str, Any]:
    """Fill the settings whose defaults depend on the instance folder."""
    if not values.get("SECRET_KEY"):
        values["SECRET_KEY"] = instance_secret_key(instance_path)
    url = values.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(Path(instance_path) / "cms.sqlite3")
    values["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(url)
    return values


def load(config: Mapping[str, Any] | None, environ: Mapping[str, str]) -> dict[str, Any]:
    """Defaults, overridden by the environment, overridden by the mapping passed in."""
    values = dict(DEFAULTS)
    values.update(from_environment(environ))
    values.update(config or {})
    return values
