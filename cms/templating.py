"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from cms.database import utc_to_site
from cms.languages import language_name
from cms.permissions import current_user_can


def local_time(value: datetime | None, style: str = "date") -> str:
    """A stored UTC time shown in the site's time zone: '28 November 2026' or with the hour."""
    if value is None:
        return ""
    local = utc_to_site(value, current_app.config["CMS_TIMEZONE"])
    if style == "datetime":
        return f"{local.day} {local:%B %Y, %H:%M}"
    if style == "iso":
        return local.isoformat(timespec="minutes")
    return f"{local.day} {local:%B %Y}"


def month_name(month: int) -> str:
    return datetime(2000, month, 1).strftime("%B")


def has_endpoint(name: str) -> bool:
    """Whether a blueprint's page exists, so shared templates link only to what is there."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time)
    app.add_template_filter(month_name)
    app.add_template_filter(language_name)
    app.add_template_global(current_user_can, "can")
    app.add_template_global(has_endpoint)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
