"""Anonymous readers share one cached copy of each page, revalidated by ETag.

A page is cached only for a request without a session cookie, and only when the
response sets no cookie, so nothing personal is ever stored or served from here.
Every database commit that changes content bumps a generation number that is
part of every key: after a publish, an edit or a moderation action the next
reader gets a fresh page, whichever worker answers. A page also changes with no
commit when a scheduled piece's date or a piece's end date comes: each stored page
is served only until the first such time after it was built (`watch_time`).
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from cms.database import utcnow
from cms.extensions import cache, compress

CACHED_MIMETYPES = {"text/html", "application/atom+xml"}
# Search is left out: each query is its own page, and what readers search for is theirs.
UNCACHED_PREFIXES = ("/static/", "/media/", "/desk", "/moderation", "/login", "/logout", "/search",
                     "/healthz", "/comments/", "/reset")  # forms that carry their own token
GENERATION_KEY = "cms:page-generation"
# A request whose WSGI environ holds this key is neither served from nor stored in the cache
# (`mirror build` renders pages otherwise than readers get them). No HTTP header can set it.
BYPASS_ENVIRON = "cms.pagecache.bypass"
# The first time after a given one at which some page shows something else with no commit.
NextChange = Callable[[datetime], datetime | None]


# --- The generation: shared by every worker ----------------------------------------------------


def _generation_file() -> Path:
    return Path(current_app.instance_path) / "page-generation"


def current_generation() -> str:
    """Redis: a counter; one machine: the modification time of a file in the instance folder."""
    if current_app.config.get("CMS_REDIS_URL"):
        return str(cache.get(GENERATION_KEY) or 0)
    try:
        return str(_generation_file().stat().st_mtime_ns)
    except FileNotFoundError:
        return "0"


def bump_generation() -> None:
    if current_app.config.get("CMS_REDIS_URL"):
        cache.cache.inc(GENERATION_KEY)  # atomic INCR on Redis
        return
    path = _generation_file()
    path.touch()
    now = time.time_ns()
    previous = path.stat().st_mtime_ns
    stamp = max(now, previous + 1)
    os.utime(path, ns=(stamp, stamp))


def _changes_public_content(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        affects = getattr(obj, "affects_public_pages", None)
        if affects is None or affects():
            return True
    return False


def _remember_changes(session: Session, _context: Any) -> None:
    if _changes_public_content(session):
        session.info["pagecache_dirty"] = True


def _invalidate(session: Session) -> None:
    if session.info.pop("pagecache_dirty", False):
        try:
            bump_generation()
        except Exception:  # a stale page for a few minutes beats a failed write
            current_app.logger.exception("page cache: could not bump the generation")


def _forget(session: Session) -> None:
    session.info.pop("pagecache_dirty", None)


# --- Serving from and storing into the cache ----------------------------------------------------


def _cacheable_request() -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and current_app.config["CMS_PAGE_CACHE_SECONDS"] > 0
        and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
        and not request.path.startswith(UNCACHED_PREFIXES)
        and not request.environ.get(BYPASS_ENVIRON)
    )


def _key(generation: str, encoding: str) -> str:
    """A stored variant: by exactly what it is (its content encoding, and the scheme and host
    it was served for), so no reader is ever given a body it did not ask for."""
    return f"cms:page:{generation}:{encoding}:{request.scheme}:{request.host}:{request.full_path}"


def _acceptable_encodings() -> list[str]:
    """The stored variants this request can take, the best first: gzip only when the client
    accepts it (Accept-Encoding read as HTTP says: any case, q=0 refuses)."""
    return ["gzip", "identity"] if request.accept_encodings["gzip"] > 0 else ["identity"]


def _serve_cached() -> Response | None:
    if not _cacheable_request():
        return None
    # The generation is read before the view runs: a page rendered while a change commits is
    # stored under the old generation, never served after the bump.
    g.page_cache_generation = generation = current_generation()
    g.page_cache_started = now = utcnow()  # what the view shows is as of this time
    for encoding in _acceptable_encodings():
        stored = cache.get(_key(generation, encoding))
        if stored is not None:
            body, headers, *rest = stored
            good_until = rest[0] if rest else None
            if good_until is not None and good_until <= now:
                continue  # a piece appeared or left since it was built
            g.page_cache_hit = True
            return Response(body, headers=headers).make_conditional(request)
    return None


def _good_until(started: datetime) -> datetime | None:
    """The first time after `started` at which a stored page may show something else."""
    times = [watch(started) for watch in current_app.extensions.get("cms_pagecache_watches", ())]
    return min((when for when in times if when is not None), default=None)


def _store(response: Response) -> Response:
    generation = g.pop("page_cache_generation", None)
    started = g.pop("page_cache_started", None)
    if g.pop("page_cache_hit", False):
        return response
    if (
        generation is None
        or response.status_code != 200
        or response.mimetype not in CACHED_MIMETYPES
        or response.direct_passthrough
        or "Set-Cookie" in response.headers
    ):
        return response
    response.headers["Cache-Control"] = "public, no-cache"  # keep it, but ask us first
    response.vary.add("Cookie")  # a logged-in user's copy differs: shared caches must not mix them
    response.add_etag()
    kept = {name: value for name, value in response.headers.items()
            if name in {"Content-Type", "Content-Encoding", "Cache-Control", "ETag", "Vary"}}
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
    timeout = current_app.config["CMS_PAGE_CACHE_SECONDS"]
    try:
        good_until = _good_until(started)
    except Exception:  # not knowing when it goes stale, the page is not kept
        current_app.logger.exception("page cache: could not tell when the page goes stale")
        return response.make_conditional(request)
    if good_until is not None:
        left = (good_until - utcnow()).total_seconds()
        if left <= 0:
            return response.make_conditional(request)  # already out of date: not kept
        timeout = min(timeout, math.ceil(left))
    cache.set(_key(generation, encoding), (response.get_data(), kept, good_until), timeout=timeout)
    return response.make_conditional(request)


SESSION_HOOKS = {"after_flush": _remember_changes, "after_commit": _invalidate,
                 "after_rollback": _forget}


def _compress(response: Response) -> Response:
    """Flask-Compress, for clients that accept gzip as HTTP reads Accept-Encoding (it would
    also compress for "gzip;q=0", which refuses it)."""
    if "gzip" in _acceptable_encodings():
        return compress.after_request(response)
    response.vary.add("Accept-Encoding")
    return response


def watch_time(app: Flask, next_change: NextChange) -> None:
    """Serve no stored page after `next_change(built)`: the first time after the page was built
    at which it may show something else with no commit (a scheduled piece's date, an end date)."""
    app.extensions.setdefault("cms_pagecache_watches", []).append(next_change)


def init_app(app: Flask) -> None:
    """The cache, and the compressor after it (after-request hooks run last to first: pages
    are compressed, then stored compressed)."""
    for name, hook in SESSION_HOOKS.items():  # per process, whichever app commits
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
    redis_url = app.config.get("CMS_REDIS_URL")
    # One site, one prefix: app servers of a site share it, two sites on one Redis do not.
    site = hashlib.sha256(
        (app.config["SECRET_KEY"] + app.config["SQLALCHEMY_DATABASE_URI"]).encode()
    ).hexdigest()[:12]
    cache.init_app(app, config={
        "CACHE_KEY_PREFIX": f"cms:{site}:",
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": app.config["CMS_PAGE_CACHE_SECONDS"],
        "CACHE_THRESHOLD": 2000,
    })
    app.before_request(_serve_cached)
    app.after_request(_store)
    app.config["COMPRESS_REGISTER"] = False  # compress.init_app must not add its own hook
    app.after_request(_compress)
