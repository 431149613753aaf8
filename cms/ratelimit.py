"""Per-client and per-account counters, without ever keeping an address.

A key is an HMAC of what is counted (an IP address, an email) under a secret
derived from SECRET_KEY and the current UTC date, so it changes every day and
cannot be turned back into the address. Counters live in the site's database,
or in Redis when CMS_REDIS_URL is set; either way every worker shares them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import Flask, current_app
from flask_babel import format_number, gettext, ngettext
from sqlalchemy import BigInteger, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from cms.extensions import db

EXTENSION = "cms_rate_counter"
PREFIX = "cms:rate:"


class RateLimited(Exception):
    """Too many attempts; the message says how long to wait."""

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Counter(Protocol):
    def hit(self, key: str, window: int) -> int:
        """Count one hit for `key` in the current `window` seconds; return the hits so far."""
        ...

    def hit_many(self, counted: list[tuple[str, int]]) -> list[int]:
        """`hit` for several (key, window) at once, in one round trip or transaction."""
        ...

    def count(self, key: str, window: int) -> int:
        """The hits for `key` in the current window, without adding one."""
        ...

    def undo(self, key: str, window: int) -> None:
        """Take back one hit of `key` in the current window (an attempt that turned out fine)."""
        ...

    def claim(self, key: str, expires: int) -> bool:
        """Mark `key` as used until the Unix time `expires`; False when it was already."""
        ...

    def release(self, key: str) -> None:
        """Forget a claim of `key` (what it guarded did not happen after all)."""
        ...


class RedisCounter:
    """Fixed windows in Redis: INCR, and the key expires with its window."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2)

    @staticmethod
    def _name(key: str, window: int) -> str:
        return f"{PREFIX}{window}:{int(time.time() // window)}:{key}"

    def hit(self, key: str, window: int) -> int:
        return self.hit_many([(key, window)])[0]

    def hit_many(self, counted: list[tuple[str, int]]) -> list[int]:
        pipe = self._redis.pipeline()
        for key, window in counted:
            name = self._name(key, window)
            pipe.incr(name)
            pipe.expire(name, window + 60)
        return [int(count) for count in pipe.execute()[::2]]

    def count(self, key: str, window: int) -> int:
        return int(self._redis.get(self._name(key, window)) or 0)

    def undo(self, key: str, window: int) -> None:
        self._redis.decr(self._name(key, window))

    def claim(self, key: str, expires: int) -> bool:
        ttl = max(int(expires - time.time()), 1)
        return bool(self._redis.set(f"{PREFIX}once:{key}", 1, nx=True, ex=ttl))

    def release(self, key: str) -> None:
        self._redis.delete(f"{PREFIX}once:{key}")


def _insert(table: Any) -> Any:
    """INSERT with ON CONFLICT, in the dialect of the site's database."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class DatabaseCounter:
    """Fixed windows in the site's database: every worker and app server shares them.

    The default without Redis; rows of finished windows are removed as new ones start.
    """

    def hit(self, key: str, window: int) -> int:
        return self.hit_many([(key, window)])[0]

    def hit_many(self, counted: list[tuple[str, int]]) -> list[int]:
        """Each an upsert that returns the new count: the count and the read are one step."""
        table = RateCounter.__table__
        now = time.time()
        counts: list[int] = []
        # Its own short transaction: the request's session (and what it holds) is untouched.
        with db.engine.begin() as connection:
            for key, window in counted:
                bucket = int(now // window)
                upsert = _insert(table).values(key=f"{window}:{key}", bucket=bucket, count=1)
                counts.append(int(connection.scalar(upsert.on_conflict_do_update(
                    index_elements=["key", "bucket"], set_={"count": table.c.count + 1},
                ).returning(table.c.count)) or 0))
                if bucket % 16 == 0:
                    connection.execute(delete(table).where(table.c.bucket < bucket - 1,
                                                           table.c.key.like(f"{window}:%")))
        return counts

    def undo(self, key: str, window: int) -> None:
        table = RateCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(table.update().where(
                table.c.key == f"{window}:{key}", table.c.bucket == int(time.time() // window),
                table.c.count > 0).values(count=table.c.count - 1))

    def claim(self, key: str, expires: int) -> bool:
        """A row (key, expiry), refused while an earlier one of the same key lives, whatever
        its expiry. Rows past their expiry are removed now and then."""
        table = RateCounter.__table__
        name = f"once:{key}"
        now = int(time.time())
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Two claims of one key wait for each other; on SQLite the DELETE's write lock does.
                connection.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))
            connection.execute(delete(table).where(table.c.key == name, table.c.bucket <= now))
            if connection.scalar(select(table.c.key).where(table.c.key == name).limit(1)):
                return False
            connection.execute(table.insert().values(key=name, bucket=expires, count=1))
            if now % 16 == 0:
                connection.execute(delete(table).where(table.c.key.like("once:%"), table.c.bucket < now))
        return True

    def release(self, key: str) -> None:
        table = RateCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == f"once:{key}"))

    def count(self, key: str, window: int) -> int:
        table = RateCounter.__table__
        with db.engine.connect() as connection:
            found = connection.scalar(select(table.c.count).where(
                table.c.key == f"{window}:{key}", table.c.bucket == int(time.time() // window)))
        return int(found or 0)


class RateCounter(db.Model):
    """One counter window: an HMAC key (never an address), the window's number, the hits."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


def client_key(value: str | None, secret: str, today: str | None = None,
               purpose: str = "comment-rate") -> str:
    """An HMAC of `value` under a key that rotates every UTC day."""
    day = today or datetime.now(UTC).strftime("%Y-%m-%d")
    daily = hmac.new(secret.encode(), f"{purpose}:{day}".encode(), hashlib.sha256).digest()
    return hmac.new(daily, (value or "").encode(), hashlib.sha256).hexdigest()


def seconds_left(window: int) -> int:
    """Seconds until the current fixed window ends."""
    return max(int(window - time.time() % window), 1)


def hit_limits(limits: Sequence[tuple[str, int, int] | tuple[str, int, int, str]], refusal: str) -> None:
    """Count one hit of each (key, window in seconds, hits allowed[, its own refusal]) in one
    step; RateLimited past any of them, with the refusal of the limit that waits longest
    (`refusal` for those without their own) and how long that wait is."""
    hits = counter().hit_many([(limit[0], limit[1]) for limit in limits])
    wait, message = 0, refusal
    for limit, count in zip(limits, hits, strict=True):
        if count > limit[2] and seconds_left(limit[1]) > wait:
            wait = seconds_left(limit[1])
            message = limit[3] if len(limit) > 3 else refusal  # type: ignore[misc]
    if wait:
        raise RateLimited(gettext("%(refusal)s Try again in %(wait)s.", refusal=message,
                                  wait=_duration(wait)), wait)


def _duration(seconds: int) -> str:
    """"3 minutes", or "about 5 hours" past an hour and a half, in the page's language."""
    if seconds > 90 * 60:
        hours = round(seconds / 3600)
        return ngettext("about %(count)s hour", "about %(count)s hours", hours, count=format_number(hours))
    minutes = -(-seconds // 60)
    return ngettext("%(count)s minute", "%(count)s minutes", minutes, count=format_number(minutes))


def counter() -> Counter:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    url = app.config.get("CMS_REDIS_URL")
    app.extensions[EXTENSION] = RedisCounter(url) if url else DatabaseCounter()
