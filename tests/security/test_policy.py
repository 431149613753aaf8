"""The one permission policy: each role's capabilities, and `can` for a piece of one's own."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from cms.permissions import CAPABILITIES, Action, PermissionDenied, Role, can, require, roles_that_can


def person(role: Role, user_id: int = 1, active: bool = True, authenticated: bool = True):
    return SimpleNamespace(id=user_id, role=role, active=active, is_authenticated=authenticated)


# Who may do what: the table the permission matrix tests route by route.
EXPECTED = {
    Action.WRITE: {Role.ADMIN, Role.EDITOR, Role.WRITER},
    Action.PUBLISH: {Role.ADMIN, Role.EDITOR, Role.WRITER},
    Action.EDIT_ANY_PIECE: {Role.ADMIN, Role.EDITOR},
    Action.MANAGE_CAMPAIGNS: {Role.ADMIN, Role.EDITOR},
    Action.MODERATE: {Role.ADMIN, Role.EDITOR, Role.MODERATOR},
    Action.SET_BLOCKED_WORDS: {Role.ADMIN},
    Action.MANAGE_USERS: {Role.ADMIN},
    Action.SEE_AUDIT: {Role.ADMIN, Role.EDITOR},
}


@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_role_holds_exactly_its_capabilities(action):
    assert {role for role in Role if can(person(role), action)} == EXPECTED[action]
    assert set(roles_that_can(action)) == EXPECTED[action]


def test_every_role_has_a_row_and_every_action_a_rule():
    assert set(CAPABILITIES) == set(Role)
    assert set(EXPECTED) | {Action.EDIT_PIECE, Action.SEE_PIECE, Action.PUBLISH_PIECE} == set(Action)


def test_a_writer_edits_only_their_own_pieces_editors_and_admins_every_one():
    mine, theirs = SimpleNamespace(author_id=1), SimpleNamespace(author_id=2)
    writer = person(Role.WRITER, user_id=1)
    assert can(writer, Action.EDIT_PIECE, mine) and not can(writer, Action.EDIT_PIECE, theirs)
    for role in (Role.EDITOR, Role.ADMIN):
        assert can(person(role, user_id=3), Action.EDIT_PIECE, theirs)
    assert not can(person(Role.MODERATOR, user_id=1), Action.EDIT_PIECE, mine)


def test_whoever_may_edit_a_piece_publishes_it_unless_writers_may_not_publish(app):
    mine, theirs = SimpleNamespace(author_id=1), SimpleNamespace(author_id=2)
    writer = person(Role.WRITER, user_id=1)
    with app.app_context():
        assert can(writer, Action.PUBLISH_PIECE, mine) and not can(writer, Action.PUBLISH_PIECE, theirs)
        assert can(person(Role.EDITOR, user_id=3), Action.PUBLISH_PIECE, theirs)
        assert not can(person(Role.MODERATOR, user_id=1), Action.PUBLISH_PIECE, mine)
        app.config["CMS_WRITERS_PUBLISH"] = False
        assert not can(writer, Action.PUBLISH_PIECE, mine) and can(writer, Action.EDIT_PIECE, mine)
        assert can(person(Role.EDITOR, user_id=3), Action.PUBLISH_PIECE, mine)


def test_nobody_anonymous_or_disabled_may_do_anything():
    for action in EXPECTED:
        assert not can(None, action)
        assert not can(person(Role.ADMIN, authenticated=False), action)
        assert not can(person(Role.ADMIN, active=False), action)
    with pytest.raises(PermissionDenied):
        require(person(Role.ADMIN, active=False), Action.WRITE)


def test_editing_or_seeing_a_piece_needs_the_piece():
    for action in (Action.EDIT_PIECE, Action.SEE_PIECE, Action.PUBLISH_PIECE):
        with pytest.raises(TypeError):
            can(person(Role.ADMIN), action)


def test_an_unpublished_piece_is_known_only_to_those_who_may_edit_it():
    draft = SimpleNamespace(author_id=1, is_public=lambda: False)
    public = SimpleNamespace(author_id=1, is_public=lambda: True)
    for who in (None, person(Role.MODERATOR, user_id=5), person(Role.WRITER, user_id=2)):
        assert can(who, Action.SEE_PIECE, public) and not can(who, Action.SEE_PIECE, draft)
    for who in (person(Role.WRITER, user_id=1), person(Role.EDITOR, user_id=9), person(Role.ADMIN, 9)):
        assert can(who, Action.SEE_PIECE, draft)


def test_a_refusal_from_a_service_is_a_403_page(app):
    @app.route("/refused-by-a-service")
    def refused():  # a view that lets the service's PermissionDenied through
        require(None, Action.WRITE)

    response = app.test_client().get("/refused-by-a-service")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.get_data(as_text=True)


def test_importing_the_package_registers_no_hook():
    """Session and engine hooks are registered by init_app, never as a side effect of an import."""
    script = (
        "from sqlalchemy import event\n"
        "from sqlalchemy.engine import Engine\n"
        "from sqlalchemy.orm import Session\n"
        "import cms.models, cms.search.views, cms.search.cli, cms.search.hooks, cms.pagecache, cms.database\n"
        "from cms import database, pagecache\n"
        "from cms.search import hooks\n"
        "hooked = [name for name, fn in [*pagecache.SESSION_HOOKS.items(), *hooks.HOOKS.items()]\n"
        "          if event.contains(Session, name, fn)]\n"
        "hooked += ['connect'] if event.contains(Engine, 'connect', database._sqlite_pragmas) else []\n"
        "print(hooked)\n"
        "from cms import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x',\n"
        "            'CMS_INSTANCE_PATH': __import__('tempfile').mkdtemp()})\n"
        "print(all(event.contains(Session, n, f) for n, f in [*pagecache.SESSION_HOOKS.items(),\n"
        "                                                     *hooks.HOOKS.items()]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "True"]
