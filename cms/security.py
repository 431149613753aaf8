"""Response headers that keep readers private and pages unframeable."""

from __future__ import annotations

from flask import Flask, Response, request

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

# Pages that show unpublished work or comments awaiting moderation.
PRIVATE_PREFIXES = ("/desk", "/moderation", "/login")


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy",
                       "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "private, no-store"
        headers["X-Robots-Tag"] = "noindex"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
