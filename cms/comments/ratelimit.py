"""Per-client limits on posting comments, without ever keeping the client's address.

The key is an HMAC of the IP address with a secret derived from SECRET_KEY and the
current UTC date, so it changes every day and cannot be turned back into an address.
Counters live in memory, or in Redis when CMS_REDIS_URL is set (shared by workers).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

from flask import Flask, current_app

EXTENSION = "cms_comment_counter"
PREFIX = "cms:comment-rate:"


class RateLimited(Exception):
    """Too many comments from one client; the message says how long to wait."""


class Counter(Protocol):
    def hit(self, key: str, window: int) -> int:
        """Count one hit for `key` in the current `window` seconds; return the hits so far."""
        ...


class MemoryCounter:
    """Fixed windows in this process's memory (one worker, or tests)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: int) -> int:
        now = time.time()
        bucket = int(now // window)
        with self._lock:
            if len(self._counts) > 10_000:  # forget windows that are over
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= int(now // k[1])}
            count = self._counts.get((key, window, bucket), 0) + 1
            self._counts[(key, window, bucket)] = count
            return count


class RedisCounter:
    """Fixed windows in Redis: INCR, and the key expires with its window."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2)

    def hit(self, key: str, window: int) -> int:
        bucket = int(time.time() // window)
        name = f"{PREFIX}{window}:{bucket}:{key}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 60)
        count, _ = pipe.execute()
        return int(count)


def client_key(address: str | None, secret: str, today: str | None = None) -> str:
    """An HMAC of the address under a key that rotates every UTC day."""
    day = today or datetime.now(UTC).strftime("%Y-%m-%d")
    daily = hmac.new(secret.encode(), f"comment-rate:{day}".encode(), hashlib.sha256).digest()
    return hmac.new(daily, (address or "").encode(), hashlib.sha256).hexdigest()


def counter() -> Counter:
    return current_app.extensions[EXTENSION]


def check(address: str | None) -> None:
    """Count a comment from `address`; raise RateLimited past the minute or day limit."""
    key = client_key(address, current_app.config["SECRET_KEY"])
    limits = [
        (60, current_app.config["CMS_COMMENT_RATE_PER_MINUTE"],
         "You have posted too many comments in the last minute. Please wait a minute and try again."),
        (86400, current_app.config["CMS_COMMENT_RATE_PER_DAY"],
         "You have posted too many comments today. Please try again tomorrow."),
    ]
    for window, limit, message in limits:
        try:
            hits = counter().hit(key, window)
        except Exception:  # a broken Redis must not stop readers commenting
            current_app.logger.warning("comment rate limit: the counter store failed")
            return
        if hits > limit:
            raise RateLimited(message)


def init_app(app: Flask) -> None:
    url = app.config.get("CMS_REDIS_URL")
    app.extensions[EXTENSION] = RedisCounter(url) if url else MemoryCounter()
