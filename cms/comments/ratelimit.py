"""Per-client limits on posting comments (counters in cms.ratelimit)."""

from __future__ import annotations

from flask import current_app

from cms.ratelimit import RateLimited, client_key, counter, seconds_left

__all__ = ["RateLimited", "check"]


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
            raise RateLimited(message, seconds_left(window))
