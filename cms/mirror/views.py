"""Mirror awareness: /mirrors and /mirrors.json list the site's other addresses (CMS_MIRRORS)
and its onion service (CMS_ONION_URL), which every public page also names in an
Onion-Location header; and what templates need to render a page for a mirror."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
)

from cms.links import external_url
from cms.mirror.pages import canonical_url
from cms.security import PRIVATE_PREFIXES

bp = Blueprint("mirror", __name__)

# Set in the WSGI environ of the requests `mirror build` makes (no HTTP header can set it):
# the page is rendered for the static copy (comment links to the main site, no login link).
MIRROR_ENVIRON = "cms.mirror"


def _addresses(value: str | None, setting: str, onion: bool = False) -> list[str]:
    """The addresses a setting lists, checked: http(s), a host (a .onion one for the onion)."""
    found = []
    for raw in (value or "").split(","):
        address = raw.strip().rstrip("/")
        if not address:
            continue
        parts = urlsplit(address)
        host = parts.hostname or ""
        if parts.scheme not in {"http", "https"} or not host or parts.query or parts.fragment:
            raise ValueError(f"{setting} must list http:// or https:// addresses, not {raw.strip()!r}")
        if onion and not host.endswith(".onion"):
            raise ValueError(f"{setting} must be an address on .onion, not {raw.strip()!r}")
        found.append(address)
    return found


def mirror_addresses() -> list[str]:
    return _addresses(current_app.config.get("CMS_MIRRORS"), "CMS_MIRRORS")


def onion_address() -> str | None:
    found = _addresses(current_app.config.get("CMS_ONION_URL"), "CMS_ONION_URL", onion=True)
    return found[0] if found else None


def in_mirror() -> bool:
    """Whether this page is rendered for a mirror by `mirror build`."""
    return has_request_context() and request.environ.get(MIRROR_ENVIRON) is True


@bp.route("/mirrors")
def mirrors() -> str:
    return render_template("mirror/mirrors.html", mirrors=mirror_addresses(), onion=onion_address())


@bp.route("/mirrors.json")
def mirrors_json() -> Response:
    """The same list for programs (apps, browser extensions, other mirrors)."""
    return jsonify({
        "site": current_app.config["CMS_SITE_NAME"],
        "url": external_url("articles.home"),
        "mirrors": mirror_addresses(),
        "onion": onion_address(),
    })


def _onion_location(response: Response) -> Response:
    """Tor Browser offers the onion address of the same page (it reads the header over HTTPS)."""
    onion = onion_address()
    if (onion and request.method in {"GET", "HEAD"} and response.status_code < 400
            and response.mimetype == "text/html" and not request.path.startswith(PRIVATE_PREFIXES)):
        response.headers["Onion-Location"] = onion + request.full_path.rstrip("?")
    return response


def _template_context() -> dict[str, Any]:
    return {"in_mirror": in_mirror()}


def init_app(app: Flask) -> None:
    """The pages, the header, the template helpers; settings that cannot work stop the start."""
    _addresses(app.config.get("CMS_MIRRORS"), "CMS_MIRRORS")
    _addresses(app.config.get("CMS_ONION_URL"), "CMS_ONION_URL", onion=True)
    app.register_blueprint(bp)
    app.after_request(_onion_location)
    app.context_processor(_template_context)
    app.add_template_global(canonical_url)
