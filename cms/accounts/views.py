"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from cms import formtokens
from cms.accounts import services, sessions, throttle, twofactor
from cms.accounts.forms import LoginForm
from cms.accounts.models import User
from cms.extensions import csrf, db, login_manager
from cms.permissions import Action, can
from cms.ratelimit import RateLimited
from cms.rules import small_int

bp = Blueprint("accounts", __name__)


def load_user(user_id: str) -> User | None:
    """The user of a session that still exists on the server (a copied cookie of an ended
    session is anonymous)."""
    number = small_int(user_id)
    user = db.session.get(User, number) if number else None
    if user is None or not user.active or sessions.current(user.id) is None:
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    """Only follow a `next` that stays on this site: a path, with no line break or other
    control (a header cannot hold it) and no backslash (browsers read "/\\x" as "//x")."""
    if not target or any(char.isspace() or ord(char) < 32 or char == "\\" for char in target):
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


LOGIN_FORM = "login"


def _login_page(form: LoginForm, error: str | None = None, status: int = 200) -> tuple[str, int]:
    form.form_token.data = formtokens.make_token(LOGIN_FORM)
    notice = {"logout": "You are logged out.", "reset": "Your password is set: log in with it."}.get(
        request.args.get("done") or "")
    if notice is None and request.args.get("next"):
        notice = "Please log in to see this page."
    return render_template("accounts/login.html", form=form, error=error, notice=notice), status


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # checked by formtokens.refusal: the form's own signed token, not a session's
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if request.method == "POST" and (refused := formtokens.refusal(
            form.form_token.data, LOGIN_FORM, name="login form", then="Please log in again.")):
        return _login_page(form, refused, 400)
    error = None
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            attempt = throttle.begin(email, request.remote_addr)
        except RateLimited as exc:
            raise TooManyRequests(str(exc), retry_after=exc.retry_after) from exc
        user = services.authenticate(email, form.password.data or "")
        if user is not None:
            throttle.succeeded(attempt)  # the password was right; each code tried is counted again
            if user.two_factor:  # the second step: its form, no session until the code is right
                from cms.accounts import twofactor_views  # here: that module imports this one

                return twofactor_views.code_page(user)
            sessions.log_in(user)
            if twofactor.enrolment_needed(user):  # CMS_REQUIRE_2FA: set it up before anything else
                return redirect(url_for("two_factor.setup", next=_safe_next(request.args.get("next"))))
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        error = "Unknown email or wrong password."
    return _login_page(form, error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    sessions.log_out()  # on the server too; no message kept in a new session: the login page says it
    return redirect(url_for("accounts.login", done="logout"))


def init_app(app: Flask) -> None:
    """The blueprint, and how Flask-Login finds the user of a session and where it sends readers."""
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # a flashed message would give the reader a session
    login_manager.user_loader(load_user)
