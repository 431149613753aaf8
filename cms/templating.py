"""Template filters and globals shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from flask import Flask, current_app, url_for
from flask_babel import get_locale

from cms.database import utc_to_site
from cms.i18n import local_date
from cms.languages import language_name
from cms.permissions import current_user_can


def local_time(value: datetime | None, style: str = "date") -> str:
    """A stored UTC time shown in the site's time zone and the page's language: '28 November
    2026', '28 ноября 2026', or with the hour."""
    if value is None:
        return ""
    local = utc_to_site(value, current_app.config["CMS_TIMEZONE"])
    if style == "iso":
        return local.isoformat(timespec="minutes")
    return local_date(local, style)


def month_name(month: int) -> str:
    """The month's own name in the page's language ('November', 'ноябрь')."""
    return format_date(datetime(2000, month, 1), "LLLL", locale=get_locale() or "en")


def has_endpoint(name: str) -> bool:
    """Whether a blueprint's page exists, so shared templates link only to what is there."""
    return name in current_app.view_functions


@lru_cache(maxsize=64)
def _fingerprint(path: str, modified: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A static file's address with its content's fingerprint (`style.css?v=…`): a browser or
    proxy may keep it for a year, and a changed file has a new address."""
    path = Path(current_app.static_folder or "static") / filename
    try:
        version = _fingerprint(str(path), path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    app.add_template_global(asset_url)
    app.add_template_filter(local_time)
    app.add_template_filter(month_name)
    app.add_template_filter(language_name)
    app.add_template_global(current_user_can, "can")
    app.add_template_global(has_endpoint)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
