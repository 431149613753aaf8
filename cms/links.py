"""Absolute addresses (feeds, e-mails, canonical links) from CMS_BASE_URL, never from the Host
header a client sent: a forged Host must not reach a moderator's inbox or a feed reader."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, url_for

BASE_URL_MISSING = (
    "CMS_BASE_URL is not set: feeds, e-mails and canonical links need the site's public address, "
    "for example CMS_BASE_URL=https://news.example.org"
)


class BaseURLError(ValueError):
    """CMS_BASE_URL is not an address this site can be served at."""


def parse_base_url(value: str) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of CMS_BASE_URL, checked: http(s), a host, no query."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BaseURLError(f"CMS_BASE_URL must be an http:// or https:// address, not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BaseURLError(f"CMS_BASE_URL must be a plain address without query or login: {value!r}")
    return parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")


def base_host(value: str) -> str:
    """The host name of CMS_BASE_URL, without its port."""
    return urlsplit(value.strip()).hostname or ""


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, on CMS_BASE_URL; without it (a warning at start-up),
    the address of the current request, or outside a request (the CLI) the path alone."""
    base = current_app.config.get("CMS_BASE_URL")
    if base:
        scheme, netloc, path = parse_base_url(base)
        adapter = current_app.url_map.bind(netloc, script_name=path or "/", url_scheme=scheme)
        return adapter.build(endpoint, values, force_external=True)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context():  # the CLI, without a base URL: the path alone
        return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    """Check CMS_BASE_URL; trust its host by default; warn when it is missing."""
    base = app.config.get("CMS_BASE_URL")
    if not base:
        app.logger.warning(BASE_URL_MISSING)
        return
    parse_base_url(base)
    if not app.config.get("CMS_TRUSTED_HOSTS"):
        app.config["CMS_TRUSTED_HOSTS"] = base_host(base)


def require_base_url(app: Flask) -> None:
    """The served site (wsgi.py) does not start without its public address."""
    if not app.config.get("CMS_BASE_URL"):
        raise RuntimeError(BASE_URL_MISSING)
