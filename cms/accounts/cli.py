"""`flask users ...`: manage accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from cms.accounts import reset, services
from cms.accounts.models import User
from cms.extensions import db
from cms.permissions import Role

ROLE_CHOICE = click.Choice([role.value for role in Role])


users = AppGroup("users", help="Manage user accounts.")


def _user_or_exit(email: str) -> User:
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name, shown in bylines.")
@click.option("--role", required=True, type=ROLE_CHOICE)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (the only way to give one).",
)
def create(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a user with EMAIL."""
    if not password_stdin:
        raise click.UsageError("Give the password on standard input with --password-stdin.")
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(email, name, role, password)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created: {user.email} ({user.role})")


@users.command("list")
def list_users() -> None:
    """List every user: e-mail, name, role, state, last login (UTC), two-factor."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "disabled"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M} UTC" if user.last_login_at else "never"
        two_factor = "2FA on" if user.two_factor else "2FA off"
        click.echo(f"{user.email}\t{user.display_name}\t{user.role}\t{state}\t{last}\t{two_factor}")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role(email: str, role: str) -> None:
    """Give the user with EMAIL a new ROLE."""
    user = services.set_role(_user_or_exit(email), role)
    click.echo(f"{user.email}: {user.role}")


@users.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable the user with EMAIL: they can no longer log in."""
    user = services.disable(_user_or_exit(email))
    click.echo(f"{user.email}: disabled")


@users.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Enable the user with EMAIL again: they can log in."""
    user = services.enable(_user_or_exit(email))
    click.echo(f"{user.email}: enabled")


@users.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (the only way to give one).",
)
def set_password(email: str, password_stdin: bool) -> None:
    """Give the user with EMAIL a new password; every session of theirs ends."""
    if not password_stdin:
        raise click.UsageError("Give the password on standard input with --password-stdin.")
    user = _user_or_exit(email)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        services.set_password(user, password)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user.email}: password set; every session ended")


@users.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a link for the user with EMAIL to set a new password (one hour, once)."""
    user = _user_or_exit(email)
    if not user.active:
        raise click.ClickException(f"{user.email} is disabled: enable it first (users enable {user.email}).")
    link = reset.reset_link(user)
    if link.startswith("/"):
        click.echo("CMS_BASE_URL is not set: put the site's address in front of this path.", err=True)
    click.echo(link)
