"""Limits on posting comments, per client and per piece (counters in cms.ratelimit).

Per client (a daily HMAC of the address): CMS_COMMENT_RATE_PER_MINUTE and _PER_DAY, roomy
enough for readers who share one address (a newsroom, a school, a mobile carrier). Per
piece, all readers together: CMS_COMMENT_PIECE_RATE_PER_MINUTE, against a flood on one page.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from cms.ratelimit import RateLimited, client_key, hit_limits

__all__ = ["PER_DAY", "PER_MINUTE", "PER_PIECE", "RateLimited", "check", "client"]

PER_MINUTE = _l("Many comments have come from your network in the last minute.")
PER_DAY = _l("Too many comments have come from your network today.")
PER_PIECE = _l("This piece has received many comments in the last minute.")


def client(address: str | None) -> str:
    """The key that stands for a client today: never the address itself."""
    return client_key(address, current_app.config["SECRET_KEY"])


def check(address: str | None, piece_id: int) -> None:
    """Count a comment from `address` on a piece; raise RateLimited past any limit. The piece's
    count is taken only for a client within its own limits, so that one client cannot use up
    a piece's limit for everyone. A broken counter store (Redis down) is logged and lets the
    comment through."""
    config = current_app.config
    key = client(address)
    try:
        hit_limits([(key, 60, config["CMS_COMMENT_RATE_PER_MINUTE"], PER_MINUTE),
                    (key, 86400, config["CMS_COMMENT_RATE_PER_DAY"], PER_DAY)], PER_MINUTE)
        # Keyed by the site's secret too: sites that share one Redis count their pieces apart.
        hit_limits([(client_key(str(piece_id), config["SECRET_KEY"], purpose="comment-piece"), 60,
                     config["CMS_COMMENT_PIECE_RATE_PER_MINUTE"])], PER_PIECE)
    except RateLimited:
        raise
    except Exception:  # a broken Redis must not stop readers commenting
        current_app.logger.warning("comment rate limit: the counter store failed")
