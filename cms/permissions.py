"""Who may do what: the one policy every view, service, CLI command and template asks.

The roles are defined here with their capabilities; `can(user, action, obj)` answers for an action, and
for the actions that concern one object (editing a piece) also looks at that object.
Views use `@permission_required(action)`; services call `require(...)`, which raises
PermissionDenied (answered with 403 by the error pages).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import abort, current_app, has_app_context
from flask_login import current_user, login_required


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    WRITER = "writer"
    MODERATOR = "moderator"


class Action(enum.StrEnum):
    WRITE = "write"  # open the desk, write new pieces, manage one's own
    SEE_PIECE = "see piece"  # know a piece exists: a public one, or one the user may edit
    EDIT_PIECE = "edit piece"  # change, publish, unpublish, delete one piece (needs the piece);
    # nobody's for a piece in the trash: it answers as if it did not exist until restored
    PUBLISH_PIECE = "publish piece"  # publish, publish changes, unpublish (needs the piece):
    # whoever may edit it and holds PUBLISH; writers hold it unless CMS_WRITERS_PUBLISH is off
    PUBLISH = "publish"  # the capability behind PUBLISH_PIECE
    EDIT_ANY_PIECE = "edit any piece"  # every writer's pieces, and restoring from the trash
    MANAGE_CAMPAIGNS = "manage campaigns"
    MODERATE = "moderate"  # the comment queue, approving, closing comments
    SET_BLOCKED_WORDS = "set blocked words"
    MANAGE_USERS = "manage users"  # accounts: create, roles, disable, reset links
    SEE_AUDIT = "see audit"  # the audit log at /desk/audit


CAPABILITIES: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset({Action.WRITE, Action.PUBLISH, Action.EDIT_ANY_PIECE, Action.MANAGE_CAMPAIGNS,
                           Action.MODERATE, Action.SET_BLOCKED_WORDS, Action.MANAGE_USERS,
                           Action.SEE_AUDIT}),
    Role.EDITOR: frozenset({Action.WRITE, Action.PUBLISH, Action.EDIT_ANY_PIECE, Action.MANAGE_CAMPAIGNS,
                            Action.MODERATE, Action.SEE_AUDIT}),
    Role.WRITER: frozenset({Action.WRITE, Action.PUBLISH}),
    Role.MODERATOR: frozenset({Action.MODERATE}),
}


class PermissionDenied(Exception):
    """The user may not do this (to this object)."""


class Authored(Protocol):
    author_id: int  # and, for a piece, `trashed_at`: when it went to the trash, if it did

    def is_public(self) -> bool: ...


class Person(Protocol):
    id: int
    role: Role
    active: bool
    is_authenticated: bool


def _held(role: Role) -> frozenset[Action]:
    """A role's capabilities on this site: writers publish unless CMS_WRITERS_PUBLISH is off
    (then they save drafts and changes, and an editor publishes them)."""
    held = CAPABILITIES.get(role, frozenset())
    if role == Role.WRITER and has_app_context() and not current_app.config.get("CMS_WRITERS_PUBLISH", True):
        return held - {Action.PUBLISH}
    return held


def roles_that_can(action: Action) -> list[Role]:
    """The roles holding a capability, e.g. who is told that a comment waits."""
    return [role for role, actions in CAPABILITIES.items() if action in actions]


def can(user: Person | Any | None, action: Action, obj: Authored | None = None) -> bool:
    """Whether `user` (None or anonymous: a reader) may do `action` (to `obj`)."""
    if action in {Action.SEE_PIECE, Action.EDIT_PIECE, Action.PUBLISH_PIECE} and obj is None:
        raise TypeError(f"Action.{action.name} is about one piece: pass it")
    if action == Action.SEE_PIECE:  # anything else answers as if the piece did not exist
        return obj.is_public() or can(user, Action.EDIT_PIECE, obj)  # type: ignore[union-attr]
    if user is None or not user.is_authenticated or not user.active:
        return False
    held = _held(user.role)
    if action == Action.PUBLISH_PIECE:
        return Action.PUBLISH in held and can(user, Action.EDIT_PIECE, obj)
    if action == Action.EDIT_PIECE:
        if getattr(obj, "trashed_at", None) is not None:
            return False
        return Action.EDIT_ANY_PIECE in held or (
            Action.WRITE in held and obj.author_id == user.id)  # type: ignore[union-attr]
    return action in held


def require(user: Person | Any | None, action: Action, obj: Authored | None = None) -> None:
    """Raise PermissionDenied unless `user` may do `action` (to `obj`)."""
    if not can(user, action, obj):
        raise PermissionDenied(f"not allowed: {action}")


View = TypeVar("View", bound=Callable[..., Any])


def permission_required(action: Action) -> Callable[[View], View]:
    """A view for users who may do `action`: anonymous readers are sent to log in, others get 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def current_user_can(action: str, obj: Authored | None = None) -> bool:
    """For templates: `can('moderate')`."""
    return can(current_user, Action(action), obj)
