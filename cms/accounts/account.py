"""Each user's /account page: name and e-mail, password, the sessions they have open."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cms.accounts import services, sessions
from cms.accounts.forms import ConfirmForm, PasswordChangeForm, ProfileForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(profile: ProfileForm | None = None, password: PasswordChangeForm | None = None,
          status: int = 200) -> tuple[str, int]:
    if profile is None:
        profile = ProfileForm(data={"display_name": current_user.display_name,
                                    "email": current_user.email})
    rows = sessions.of(current_user)
    return render_template("accounts/account.html", profile=profile,
                           password=password or PasswordChangeForm(formdata=None),
                           confirm=ConfirmForm(), sessions=rows, is_current=sessions.is_current), status


@bp.route("")
@login_required
def show() -> tuple[str, int]:
    return _page()


@bp.route("/profile", methods=["POST"])
@login_required
def profile() -> Response | tuple[str, int]:
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.change_profile(current_user, form.display_name.data or "", form.email.data or "",
                                    form.password.data or "")
        except services.AccountError as exc:
            getattr(form, exc.field or "email").errors = [str(exc)]
        else:
            flash("Your name and e-mail address are saved.")
            return redirect(url_for("account.show"))
    return _page(profile=form, status=400)


@bp.route("/password", methods=["POST"])
@login_required
def password() -> Response | tuple[str, int]:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if form.new.data != form.repeat.data:
            form.repeat.errors = ["The two new passwords differ."]
        else:
            try:
                services.change_password(current_user, form.current.data or "", form.new.data or "")
            except services.AccountError as exc:
                getattr(form, exc.field or "new").errors = [str(exc)]
            else:
                # Every session ended, this one too: this browser gets a fresh one.
                sessions.log_in(current_user)
                flash("Your password is changed; every other session has ended.")
                return redirect(url_for("account.show"))
    return _page(password=form, status=400)


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_others() -> Response:
    if ConfirmForm().validate_on_submit():
        ended = sessions.end_all(current_user, keep_current=True)
        flash(f"{ended} other session{'' if ended == 1 else 's'} ended.")
    return redirect(url_for("account.show"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

