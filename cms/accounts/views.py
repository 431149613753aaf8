"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from cms.accounts import services
from cms.accounts.forms import LoginForm
from cms.accounts.models import User
from cms.extensions import db, login_manager
from cms.permissions import Action, can

bp = Blueprint("accounts", __name__)


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str | None:
    """Only follow a `next` that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home_for(user: User) -> str:
    """Where a user starts: writers at the desk, moderators at the comment queue."""
    if not can(user, Action.WRITE) and can(user, Action.MODERATE) \
            and "moderation.queue" in current_app.view_functions:
        return url_for("moderation.queue")
    return url_for("desk.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = form.email.data or ""
        wait = services.login_wait(email, request.remote_addr)
        if wait:
            minutes = -(-wait // 60)
            raise TooManyRequests(
                f"Too many failed attempts to log in. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.", retry_after=wait)
        user = services.authenticate(email, form.password.data or "")
        if user is None:
            services.record_login_failure(email, request.remote_addr)
        else:
            session.clear()  # a fresh session at login: no fixation
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        error = "Unknown email or wrong password."
    return render_template("accounts/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("articles.home"))


def init_app(app: Flask) -> None:
    """The blueprint, and how Flask-Login finds the user of a session and where it sends readers."""
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.user_loader(load_user)
