"""The user admin screens at /desk/users (admins only): the list, a new user, a new role,
disabling and enabling, a link to set a new password.

A new user gets a long random password nobody knows, and a link to choose their own: e-mailed
when mail is on, otherwise shown once to hand over. Disabling and a new role end every session
of the user (the services do). An admin may not disable themself or take away their own admin
role: another admin can.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from cms import mail
from cms.accounts import reset, services
from cms.accounts.forms import ROLE_CHOICES, ConfirmForm, NewUserForm, RoleForm
from cms.accounts.models import User
from cms.extensions import db
from cms.permissions import Action, Role, permission_required

bp = Blueprint("users", __name__, url_prefix="/desk/users")

HAND_OVER = "Give this link to the person; it works for one hour and once."
NOT_YOURSELF_DISABLE = "You cannot disable your own account: another admin can."
NOT_YOURSELF_ROLE = "You cannot take away your own admin role: another admin can."


def _target(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _index_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(func.lower(User.display_name), User.email))
    return render_template("accounts/users.html", users=list(users), roles=ROLE_CHOICES,
                           mail_on=mail.configured(), error=error), status


def _back(message: str) -> Response:
    flash(message)
    return redirect(url_for("users.index"))


def _hand_over(user: User, created: bool) -> Response | tuple[str, int]:
    """E-mail the user a link to choose a password when mail is on; otherwise, or when the
    mail could not be sent, show it on this page (once: it is kept nowhere)."""
    if mail.configured():
        sent = reset.send_welcome_mail(user) if created else reset.send_reset_mail(user)
        if sent:
            made = f"The account of {user.display_name} is made. " if created else ""
            return _back(f"{made}A link to set a password was e-mailed to {user.email}.")
    return render_template("accounts/users_link.html", user=user, link=reset.reset_link(user),
                           created=created, mail_failed=mail.configured(), hand_over=HAND_OVER), 200


@bp.route("")
@permission_required(Action.MANAGE_USERS)
def index() -> tuple[str, int]:
    return _index_page()


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Action.MANAGE_USERS)
def new() -> Response | tuple[str, int]:
    form = NewUserForm()
    if form.validate_on_submit():
        try:  # a password nobody knows: the person chooses theirs through the link
            user = services.create_user(form.email.data or "", form.display_name.data or "",
                                        form.role.data or "", secrets.token_urlsafe(48),
                                        by=current_user)
        except services.AccountError as exc:
            db.session.rollback()
            field = exc.field or ("display_name" if str(exc) == "The name is required." else "email")
            getattr(form, field).errors = [str(exc)]
        else:
            return _hand_over(user, created=True)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/users_new.html", form=form), status


@bp.route("/<int:user_id>/role", methods=["POST"])
@permission_required(Action.MANAGE_USERS)
def role(user_id: int) -> Response | tuple[str, int]:
    user = _target(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _index_page("Choose one of the roles.", 400)
    new_role = Role(form.role.data)
    if user.id == current_user.id and new_role != Role.ADMIN:
        return _index_page(NOT_YOURSELF_ROLE, 400)
    if user.role == new_role:
        return _back(f"{user.display_name} is already {new_role.value}.")
    services.set_role(user, new_role, by=current_user)  # ends every session of theirs
    return _back(f"{user.display_name} is now {new_role.value}; every session of theirs has ended.")


@bp.route("/<int:user_id>/disable", methods=["POST"])
@permission_required(Action.MANAGE_USERS)
def disable(user_id: int) -> Response | tuple[str, int]:
    user = _target(user_id)
    if not ConfirmForm().validate_on_submit():
        return _index_page("The form has expired: please try again.", 400)
    if user.id == current_user.id:
        return _index_page(NOT_YOURSELF_DISABLE, 400)
    services.disable(user, by=current_user)  # ends every session of theirs
    return _back(f"{user.display_name} is disabled; every session of theirs has ended.")


@bp.route("/<int:user_id>/enable", methods=["POST"])
@permission_required(Action.MANAGE_USERS)
def enable(user_id: int) -> Response | tuple[str, int]:
    user = _target(user_id)
    if not ConfirmForm().validate_on_submit():
        return _index_page("The form has expired: please try again.", 400)
    services.enable(user, by=current_user)
    return _back(f"{user.display_name} is enabled: they can log in again.")


@bp.route("/<int:user_id>/reset-link", methods=["POST"])
@permission_required(Action.MANAGE_USERS)
def reset_link(user_id: int) -> Response | tuple[str, int]:
    user = _target(user_id)
    if not ConfirmForm().validate_on_submit():
        return _index_page("The form has expired: please try again.", 400)
    if not user.active:
        return _index_page(f"{user.display_name} is disabled: enable the account first, "
                           "or the link will not work.", 400)
    return _hand_over(user, created=False)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
