"""Login throttling that slows attackers without locking people out.

Attempts are counted per (account, client) pair and per client, in windows of growing
length, so the wait grows with repeated failures: five wrong passwords for one account from
one client cost that client up to 15 minutes, ten an hour, twenty a day. An attacker
elsewhere cannot lock an editor out: the editor's own client has its own pair and client
counts. Counting comes first, in one atomic step per counter, and the check reads what
that step returned, so parallel guesses cannot slip between a check and a count; a
successful login takes its count back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from cms import ratelimit

# (window in seconds, attempts allowed in it)
PAIR_LIMITS = ((15 * 60, 5), (3600, 10), (86400, 20))
CLIENT_LIMITS = ((15 * 60, 30), (3600, 60), (86400, 200))


@dataclass
class Attempt:
    """The counts one login attempt added, to take back if it succeeds."""

    counted: list[tuple[str, int]] = field(default_factory=list)


def _keys(email: str, address: str | None) -> tuple[str, str]:
    secret = current_app.config["SECRET_KEY"]
    pair = ratelimit.client_key(f"{email.strip().lower()}\n{address or ''}", secret, purpose="login-pair")
    return pair, ratelimit.client_key(address, secret, purpose="login-client")


def begin(email: str, address: str | None) -> Attempt:
    """Count an attempt to log in; RateLimited (with the seconds to wait) past a limit."""
    pair, client = _keys(email, address)
    limits = [(key, window, allowed) for key, windows in ((pair, PAIR_LIMITS), (client, CLIENT_LIMITS))
              for window, allowed in windows]
    ratelimit.hit_limits(limits, "Too many failed attempts to log in.")
    return Attempt([(key, window) for key, window, _allowed in limits])


def succeeded(attempt: Attempt) -> None:
    """A right password (and code): this attempt does not count against anyone."""
    for key, window in attempt.counted:
        ratelimit.counter().undo(key, window)
