"""`flask users ...`: manage accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from cms.accounts import services
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
    """List every user with role and state."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.display_name}\t{user.role}\t{state}")


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
