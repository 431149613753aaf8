"""Per-client and per-account counters, without ever keeping an address.

A key is an HMAC of what is counted (an IP address, an email) under a secret
derived from SECRET_KEY and the current UTC date, so it changes every day and
cannot be turned back into the address. Counters live in memory, or in Redis
when CMS_REDIS_URL is set (shared by every worker and app server).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

from flask import Flask, current_app

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

    def count(self, key: str, window: int) -> int:
        """The hits for `key` in the current window, without adding one."""
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

    def count(self, key: str, window: int) -> int:
        with self._lock:
            return self._counts.get((key, window, int(time.time() // window)), 0)


class RedisCounter:
    """Fixed windows in Redis: INCR, and the key expires with its window."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2)

    @staticmethod
    def _name(key: str, window: int) -> str:
        return f"{PREFIX}{window}:{int(time.time() // window)}:{key}"

    def hit(self, key: str, window: int) -> int:
        name = self._name(key, window)
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 60)
        count, _ = pipe.execute()
        return int(count)

    def count(self, key: str, window: int) -> int:
        return int(self._redis.get(self._name(key, window)) or 0)


def client_key(value: str | None, secret: str, today: str | None = None,
               purpose: str = "comment-rate") -> str:
    """An HMAC of `value` under a key that rotates every UTC day."""
    day = today or datetime.now(UTC).strftime("%Y-%m-%d")
    daily = hmac.new(secret.encode(), f"{purpose}:{day}".encode(), hashlib.sha256).digest()
    return hmac.new(daily, (value or "").encode(), hashlib.sha256).hexdigest()


def seconds_left(window: int) -> int:
    """Seconds until the current fixed window ends."""
    return max(int(window - time.time() % window), 1)


def counter() -> Counter:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    url = app.config.get("CMS_REDIS_URL")
    app.extensions[EXTENSION] = RedisCounter(url) if url else MemoryCounter()
