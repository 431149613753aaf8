"""The public pages of a password reset: /reset asks for a link by e-mail, /reset/<token>
chooses the new password.

Nobody here has a session, so both forms carry a signed form token (cms/formtokens.py)
instead of the session's CSRF token. /reset answers the same page whether or not an account
uses the address; a mail goes out only when one does and mail is on. A new password ends
every session of the account (services.set_password), and the link with it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from cms import formtokens, mail
from cms.accounts import reset, services
from cms.accounts.forms import NewPasswordForm, ResetRequestForm
from cms.accounts.models import User
from cms.extensions import csrf
from cms.ratelimit import RateLimited

bp = Blueprint("password_reset", __name__)

REQUEST_FORM = "reset"
PASSWORD_FORM = "reset-password"
SENT = ("If an account uses that address, a link to set a new password is on its way. "
        "It works for one hour.")
EXPIRED = "This link has expired or was already used. Ask for a new one here."


def _ask_page(form: ResetRequestForm, notice: str | None = None, error: str | None = None,
              status: int = 200) -> tuple[str, int]:
    form.form_token.data = formtokens.make_token(REQUEST_FORM)
    return render_template("accounts/reset.html", form=form, notice=notice, error=error), status


@bp.route("/reset", methods=["GET", "POST"])
@csrf.exempt  # checked by formtokens.refusal: the form's own signed token, not a session's
def ask() -> tuple[str, int]:
    form = ResetRequestForm()
    if request.method == "POST" and (refused := formtokens.refusal(form.form_token.data, REQUEST_FORM)):
        return _ask_page(form, error=refused, status=400)
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            may_mail = reset.count_request(email, request.remote_addr)
        except RateLimited as exc:
            raise TooManyRequests(str(exc), retry_after=exc.retry_after) from exc
        user = services.find_by_email(email)
        if may_mail and user is not None and user.active and mail.configured():
            reset.send_reset_mail(user)  # a failure is logged; the answer stays the same
        return _ask_page(ResetRequestForm(formdata=None), notice=SENT)
    return _ask_page(form, status=400 if request.method == "POST" else 200)


def _password_page(form: NewPasswordForm, user: User, error: str | None = None,
                   status: int = 200) -> tuple[str, int]:
    form.form_token.data = formtokens.make_token(PASSWORD_FORM, user.id)
    return render_template("accounts/reset_password.html", form=form, user=user, error=error), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by formtokens.refusal, for this user
def new_password(token: str) -> Response | tuple[str, int]:
    user = reset.user_for_reset_token(token)
    if user is None:
        return _ask_page(ResetRequestForm(formdata=None), error=EXPIRED, status=400)
    form = NewPasswordForm()
    if request.method == "POST" and (
            refused := formtokens.refusal(form.form_token.data, PASSWORD_FORM, user.id)):
        return _password_page(form, user, refused, 400)
    if form.validate_on_submit():
        if form.password.data != form.repeat.data:
            form.repeat.errors = ["The two passwords differ."]
        else:
            try:
                services.set_password(user, form.password.data or "")  # ends every session
            except services.AccountError as exc:
                form.password.errors = [str(exc)]
            else:
                return redirect(url_for("accounts.login", done="reset"))
    return _password_page(form, user, status=400 if request.method == "POST" else 200)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
