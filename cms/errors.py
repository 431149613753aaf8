"""Friendly error pages: the status, what it means, and a way back."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from cms.extensions import db
from cms.permissions import PermissionDenied

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, check what you sent "
                                "and try again.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have been moved or "
                                   "unpublished.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts. Send something smaller.")),
    429: (_l("Too many requests"), _l("You have sent too many requests in a short time. Please wait "
                                      "and try again.")),
    500: (_l("Something went wrong"),
          _l("The site could not answer because of an error on our side. It has been logged.")),
}


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(status, (gettext("Error %(status)s", status=status),
                                           _l("The request could not be answered.")))
    return render_template("errors/error.html", status=status, title=title,
                           message=detail or message), status


def _http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    detail = None
    if error.code in {400, 429} and error.description != type(error).description:
        detail = error.description  # a message written for this case
    html, status = render_error(error.code or 500, detail)
    # Keep what the error says about the response (Retry-After, Allow), not its body type.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return html, status, headers


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(400, gettext("The form had expired or was not sent from this site. Go back, "
                                     "reload the page and send it again."))


def _untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """No page can be built for a host this site does not answer to: plain text."""
    return "This site does not answer to that host name.\n", 400, {"Content-Type": "text/plain"}


def _permission_denied(error: PermissionDenied) -> tuple[str, int]:
    """A service refused: the same page as any other 403."""
    db.session.rollback()
    return render_error(403)


def _server_error(error: InternalServerError) -> tuple[str, int]:
    db.session.rollback()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(PermissionDenied, _permission_denied)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)
