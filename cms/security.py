"""Response headers, cookies and proxies: keep readers private and pages unframeable."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, abort, request
from flask.globals import request_ctx
from werkzeug.middleware.proxy_fix import ProxyFix

from cms.rules import UNACCEPTED

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
PERMISSIONS = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
HSTS = "max-age=31536000; includeSubDomains"

# Pages that show unpublished work, accounts or comments awaiting moderation.
PRIVATE_PREFIXES = ("/desk", "/moderation", "/login", "/account", "/reset")


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_IPV6 = re.compile(r"^\[[0-9A-Fa-f:.]{2,45}\]$")
BAD_HOST = b"This site does not answer to that host name.\n"


def valid_host(value: str) -> bool:
    """A Host header a URL can be built from: DNS labels (IDNA ones decodable) or an IPv6
    literal, and a port that exists. Werkzeug fails on others before any view runs."""
    if value.startswith("["):
        end = value.find("]") + 1
        host, rest = value[:end], value[end:]
        if not end or not _IPV6.match(host) or (rest and not rest.startswith(":")):
            return False
        port = rest[1:]
    else:
        host, colon, port = value.partition(":")
        if colon and not port:
            return False
        labels = host.removesuffix(".").split(".")
        if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
            return False
        try:
            host.encode("ascii").decode("idna").encode("idna")
        except UnicodeError:
            return False
    return not port or (port.isascii() and port.isdigit() and 0 < int(port) < 65536)


class HostCheck:
    """WSGI layer in front of the app: a Host no URL can be built from gets the plain 400
    that does not repeat it, before routing (which would fail on it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host(host):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(BAD_HOST)))])
            return [BAD_HOST]
        return self.app(environ, start_response)


def _refuse_control_characters() -> None:
    """A NUL, another control character or a non-character in a path is never a real page.

    Query strings are left to the views: a search for text with control characters
    in it is searched as words.
    """
    if request_ctx.url_adapter is None:
        return  # a Host this site does not answer to: the plain 400 of routing comes next
    if UNACCEPTED.search(request.path):
        abort(400, "The address contains characters this site does not accept.")


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "private, no-store"
        headers["X-Robots-Tag"] = "noindex"
    return response


def _hsts(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    if app.config.get("CMS_TRUSTED_HOSTS"):
        # Any other Host header gets 400 before a link is built from it.
        app.config["TRUSTED_HOSTS"] = [
            host.strip() for host in app.config["CMS_TRUSTED_HOSTS"].split(",") if host.strip()
        ]
    app.before_request(_refuse_control_characters)
    app.after_request(_headers)
    if app.config["CMS_HTTPS"]:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",  # Secure, Path=/, no Domain: this host only
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
            PREFERRED_URL_SCHEME="https",
        )
        app.after_request(_hsts)
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    hops = app.config["CMS_TRUSTED_PROXIES"]
    if hops > 0:
        # Without this, X-Forwarded-* are ignored: nobody can forge an address to dodge limits.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
