"""Two-factor sign-in pages: setting it up at /account/two-factor, turning it off, new recovery
codes, the code step of the login at /login/two-factor, and CMS_REQUIRE_2FA's guard.

Between the password and the code nothing is stored and no session exists: the code form
carries a signed token of its own (the user, when the password was right), good for five
minutes and spent at each try. While setting it up, the new secret lives only in the form
(signed with the user's id), never in the database before a right code, never in a cookie.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cms import formtokens
from cms.accounts import sessions, throttle, twofactor
from cms.accounts.models import User
from cms.accounts.services import AccountError
from cms.accounts.views import _home_for, _safe_next
from cms.extensions import csrf, db
from cms.forms import Form
from cms.ratelimit import RateLimited
from cms.rules import small_int

bp = Blueprint("two_factor", __name__)

LOGIN_CODE_FORM = "login-2fa"
LOGIN_CODE_MAX_AGE = 300  # seconds from the right password to the right code
SETUP_FORM = "two-factor-setup"
SETUP_MAX_AGE = 30 * 60
# What a user who must set it up may still open (CMS_REQUIRE_2FA).
OPEN_BEFORE_SETUP = {"two_factor.setup", "accounts.logout", "static", "health.healthz"}

CODE_ATTRIBUTES = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off",
                   "spellcheck": "false", "size": 10}


class SetupForm(Form):
    secret = HiddenField()
    form_token = HiddenField()
    code = StringField("Code from the app", validators=[DataRequired(), Length(max=64)],
                       description="The 6 digits the app shows for this site now.",
                       render_kw=CODE_ATTRIBUTES)


class DisableForm(Form):
    password = PasswordField("Your password", id="disable-password",
                             validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class RecoveryCodesForm(Form):
    password = PasswordField("Your password", id="codes-password",
                             validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class LoginCodeForm(Form):
    """The login's second step. Its CSRF check is its own signed token (no session exists yet)."""

    class Meta:
        csrf = False

    account = HiddenField()
    form_token = HiddenField()
    code = StringField("Code from your authenticator app", validators=[Length(max=64)],
                       description="6 digits.", render_kw={**CODE_ATTRIBUTES, "autofocus": True})
    recovery_code = StringField("Recovery code", validators=[Length(max=64)],
                                description="One of the ten codes you saved, like abcd-efgh-jkmn. "
                                            "Each works once.",
                                render_kw={"autocomplete": "off", "autocapitalize": "off",
                                           "spellcheck": "false", "size": 16})


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


def _next() -> str | None:
    return _safe_next(request.args.get("next"))


# --- Setting it up, turning it off, new recovery codes -----------------------------------------


def _setup_token(secret: str) -> str:
    return formtokens.make_token(f"{SETUP_FORM}:{secret}", _user().id)


def _setup_secret(form: SetupForm) -> str | None:
    """The secret the set-up form was served with, if its token is ours, for this user, fresh."""
    secret = form.secret.data or ""
    if not twofactor.is_secret(secret):
        return None
    try:
        formtokens.read_token(form.form_token.data, f"{SETUP_FORM}:{secret}", _user().id,
                              max_age=SETUP_MAX_AGE, name="set-up form")
    except formtokens.FormTokenError:
        return None
    return secret


def _page(*, setup: SetupForm | None = None, secret: str | None = None,
          disable_form: DisableForm | None = None, codes_form: RecoveryCodesForm | None = None,
          codes: list[str] | None = None, message: str | None = None,
          status: int = 200) -> tuple[str, int]:
    user = _user()
    context: dict[str, Any] = {
        "required": twofactor.is_required(user), "needed": twofactor.enrolment_needed(user),
        "next": _next(), "continue_url": _next() or _home_for(user), "codes": codes,
        "message": message, "total": twofactor.RECOVERY_CODES,
    }
    if codes is None and user.two_factor:
        context.update(remaining=twofactor.remaining_recovery_codes(user),
                       disable_form=disable_form or DisableForm(formdata=None),
                       codes_form=codes_form or RecoveryCodesForm(formdata=None))
    elif codes is None:
        secret = secret or twofactor.new_secret()
        setup = setup or SetupForm(formdata=None)
        setup.secret.data, setup.form_token.data = secret, _setup_token(secret)
        context.update(setup=setup, secret=twofactor.grouped(secret),
                       qr=twofactor.qr_svg(twofactor.provisioning_uri(user, secret)),
                       account=user.email, issuer=current_app.config["CMS_SITE_NAME"])
    return render_template("accounts/two_factor.html", **context), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def setup() -> Response | tuple[str, int]:
    user = _user()
    if request.method == "GET":
        return _page()
    if user.two_factor:
        flash("Two-factor sign-in is already on.")
        return redirect(url_for(".setup", next=_next()))
    form = SetupForm()
    secret = _setup_secret(form)
    if secret is None:
        flash("That set-up form had expired or was not valid. Here is a new key: remove any entry "
              "you added for the old one from your app, and add this one.")
        return redirect(url_for(".setup", next=_next()))
    if form.validate_on_submit():
        try:
            codes = twofactor.enable(user, secret, form.code.data)
        except AccountError as exc:
            form.code.errors = [str(exc)]
        else:
            return _page(codes=codes, message="Two-factor sign-in is on. Every other session of "
                                              "yours has ended.")
    form.code.data = ""
    return _page(setup=form, secret=secret, status=400)


def _password_attempt() -> throttle.Attempt:
    """A password typed on these pages counts like one typed at the login: a stolen session
    cannot be used to guess it."""
    try:
        return throttle.begin(_user().email, request.remote_addr)
    except RateLimited as exc:
        raise TooManyRequests(str(exc), retry_after=exc.retry_after) from exc


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def disable() -> Response | tuple[str, int]:
    user = _user()
    if not user.two_factor:
        flash("Two-factor sign-in is already off.")
        return redirect(url_for(".setup"))
    form = DisableForm()
    if form.validate_on_submit():
        attempt = _password_attempt()
        try:
            twofactor.disable(user, form.password.data)
        except AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            throttle.succeeded(attempt)
            flash("Two-factor sign-in is off; every other session of yours has ended.")
            return redirect(url_for(".setup"))
    return _page(disable_form=form, status=400)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def recovery_codes() -> Response | tuple[str, int]:
    user = _user()
    if not user.two_factor:
        flash("Two-factor sign-in is off: there are no recovery codes.")
        return redirect(url_for(".setup"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        attempt = _password_attempt()
        try:
            codes = twofactor.regenerate_recovery_codes(user, form.password.data)
        except AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            throttle.succeeded(attempt)
            return _page(codes=codes, message="New recovery codes: the old ones no longer work.")
    return _page(codes_form=form, status=400)


# --- The login's second step ------------------------------------------------------------------


def _login_step(form: LoginCodeForm | None, error: str | None = None, status: int = 200,
                recovery: bool = False) -> tuple[str, int]:
    return render_template("accounts/two_factor_login.html", form=form, error=error, next=_next(),
                           recovery=recovery), status


def code_page(user: User, error: str | None = None, served_at: int | None = None,
              recovery: bool = False) -> tuple[str, int]:
    """The code form, for a user whose password was right (at `served_at`: the five minutes
    count from the password, however many codes are tried). Sets no cookie."""
    form = LoginCodeForm(formdata=None)
    form.account.data = str(user.id)
    form.form_token.data = formtokens.make_token(LOGIN_CODE_FORM, user.id, served_at=served_at)
    return _login_step(form, error, recovery=recovery)


@bp.route("/login/two-factor", methods=["POST"])
@csrf.exempt  # the form's own signed token is its check: no session exists before the code
def login_code() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        csrf.protect()  # a browser with a session sends that session's token, as on every form
        return redirect(_next() or _home_for(current_user))
    form = LoginCodeForm()
    user_id = small_int(form.account.data)
    try:
        token = formtokens.check(form.form_token.data, LOGIN_CODE_FORM, user_id or 0, name="sign-in form",
                                 max_age=LOGIN_CODE_MAX_AGE, once=True)
    except formtokens.FormTokenError as exc:
        return _login_step(None, f"{exc} Please log in again.", 400)
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.two_factor:
        return _login_step(None, "Please log in again.", 400)
    code = (form.code.data or "").strip()
    recovery = not code and bool((form.recovery_code.data or "").strip())
    code = code or (form.recovery_code.data or "").strip()
    if not code or not form.validate():
        return code_page(user, "Type the code from your app, or a recovery code.", token.served_at,
                         recovery)
    try:
        attempt = throttle.begin(user.email, request.remote_addr)
        counted = twofactor.count_code_attempt(user)
    except RateLimited as exc:
        raise TooManyRequests(str(exc), retry_after=exc.retry_after) from exc
    used_recovery = False
    if twofactor.looks_like_totp(code):
        right = twofactor.verify_code(user, code)
    else:
        right = used_recovery = twofactor.use_recovery_code(user, code)
    if not right:
        return code_page(user, twofactor.WRONG_CODE, token.served_at, recovery)
    throttle.succeeded(attempt)
    twofactor.code_attempt_succeeded(counted)
    sessions.log_in(user)
    if used_recovery:
        left = twofactor.remaining_recovery_codes(user)
        if left:
            flash(f"You logged in with a recovery code: it is used up, {left} left. If your phone "
                  "is lost, set up the app again and make new codes on the two-factor page of "
                  "your account.")
        else:
            flash("That was your last recovery code: make new ones now on the two-factor page of "
                  "your account.")
    return redirect(_next() or _home_for(user))


# --- CMS_REQUIRE_2FA --------------------------------------------------------------------------


def _require_two_factor() -> Response | None:
    """A logged-in user whose role must use two factors and has not set it up goes to set it up,
    whatever they open (but that page, logging out, static files and the health check)."""
    if not current_app.config.get("CMS_REQUIRE_2FA") or request.endpoint in OPEN_BEFORE_SETUP:
        return None
    if current_user.is_authenticated and twofactor.enrolment_needed(current_user):
        return redirect(url_for("two_factor.setup"), 303)
    return None


@bp.after_request
def _private(response: Response) -> Response:
    """Secrets, recovery codes and sign-in steps stay out of every cache and index."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def init_app(app: Flask) -> None:
    """The pages, and the guard of CMS_REQUIRE_2FA (whose role names are checked now: a typo
    stops the app rather than leave a role without the requirement)."""
    twofactor.required_roles(app.config.get("CMS_REQUIRE_2FA") or "")
    app.register_blueprint(bp)
    app.before_request(_require_two_factor)
