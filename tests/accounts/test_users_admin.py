"""The user admin screens at /desk/users (admins only) and the users CLI's enable and list:
every change that takes something away ends the person's sessions, checked through HTTP with a
copied cookie."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from cms.accounts import services
from cms.accounts.admin import HAND_OVER, NOT_YOURSELF_DISABLE, NOT_YOURSELF_ROLE
from cms.accounts.models import Role, User
from cms.extensions import db
from tests.accounts.test_reset import BASE, NEW_PASSWORD, _choose, _link_in, _path
from tests.conftest import PASSWORD, Auth, csrf_token


@pytest.fixture
def admin(make_user) -> User:
    return make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")


@pytest.fixture
def as_admin(client: FlaskClient, auth: Auth, admin: User) -> FlaskClient:
    assert auth.login(admin).status_code == 302
    return client


def _copy(app, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie (what a thief would have)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _sent_to_login(client: FlaskClient) -> bool:
    response = client.get("/desk/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _logged_in_elsewhere(app, user: User) -> tuple[FlaskClient, FlaskClient]:
    """The user's own browser, logged in, and a second browser with a copy of its cookie."""
    own = app.test_client()
    assert Auth(own).login(user).status_code == 302
    thief = _copy(app, own)
    assert thief.get("/desk/").status_code == 200
    return own, thief


def _stored(app, user: User) -> User:
    with app.app_context():
        stored = db.session.get(User, user.id)
        db.session.expunge(stored)
        return stored


def _shown_link(html: str) -> str:
    found = re.search(r'id="reset-link" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EDITOR, Role.WRITER, Role.MODERATOR])
def test_editors_and_below_get_403_on_every_users_route(client, auth, make_user, role):
    target = make_user(Role.WRITER)
    assert auth.login(make_user(role)).status_code == 302
    assert client.get("/desk/users").status_code == 403
    assert client.get("/desk/users/new").status_code == 403
    assert client.post("/desk/users/new", data={"display_name": "X", "email": "x@example.org",
                                                "role": "admin"}).status_code == 403
    for action, data in [("role", {"role": "admin"}), ("disable", {}), ("enable", {}), ("reset-link", {})]:
        assert client.post(f"/desk/users/{target.id}/{action}", data=data).status_code == 403
    with client.application.app_context():
        assert services.find_by_email("x@example.org") is None
        assert db.session.get(User, target.id).role == Role.WRITER


def test_readers_are_sent_to_log_in(client, make_user):
    response = client.get("/desk/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_nav_links_admins_to_the_users(as_admin):
    assert '<a href="/desk/users">Users</a>' in as_admin.get("/desk/").get_data(as_text=True)


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_name_email_role_last_login_two_factor_and_disabled(app, as_admin, make_user):
    seen = make_user(Role.EDITOR, email="seen@example.org", name="Seen Editor")
    Auth(app.test_client()).login(seen)
    make_user(Role.WRITER, email="never@example.org", name="Never Writer")
    guarded = make_user(Role.MODERATOR, email="guarded@example.org", name="Guarded Moderator")
    gone = make_user(Role.WRITER, email="gone@example.org", name="Gone Writer")
    with app.app_context():
        db.session.get(User, guarded.id).totp_secret = "JBSWY3DPEHPK3PXP"
        db.session.commit()
        services.disable(db.session.get(User, gone.id))
    page = as_admin.get("/desk/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listing = html.split('<ul class="users">', 1)[1].split("</ul>", 1)[0]
    cards = {re.search(r"<h2>([^<]+)", card).group(1).strip(): card for card in listing.split("<li>")[1:]}
    assert set(cards) == {"Ada Admin", "Seen Editor", "Never Writer", "Guarded Moderator", "Gone Writer"}

    def value(card: str, label: str) -> str:
        found = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", card, re.S)
        assert found, (label, card)
        return re.sub(r"<[^>]+>", "", found.group(1))

    assert value(cards["Seen Editor"], "E-mail") == "seen@example.org"
    assert value(cards["Seen Editor"], "Role") == "Editor"
    assert value(cards["Seen Editor"], "Last login") != "Never"
    assert value(cards["Never Writer"], "Last login") == "Never"
    assert value(cards["Guarded Moderator"], "Two-factor") == "On"
    assert value(cards["Never Writer"], "Two-factor") == "Off"
    assert value(cards["Gone Writer"], "Disabled") == "Yes"
    assert value(cards["Never Writer"], "Disabled") == "No"
    assert 'action="/desk/users/' in cards["Gone Writer"] and ">Enable<" in cards["Gone Writer"]
    assert ">Disable<" in cards["Never Writer"]
    assert "(you)" in cards["Ada Admin"] and ">Disable<" not in cards["Ada Admin"]


def test_an_unknown_user_is_404(as_admin):
    for action in ("role", "disable", "enable", "reset-link"):
        assert as_admin.post(f"/desk/users/999/{action}", data={"role": "writer"}).status_code == 404
    assert as_admin.post("/desk/users/99999999999/disable").status_code == 404


# --- Creating ---------------------------------------------------------------------------------


def test_a_new_user_gets_no_known_password_and_a_link_to_hand_over_when_mail_is_off(app, as_admin, outbox):
    created = as_admin.post("/desk/users/new", data={"display_name": "Nina New", "email": "Nina@Example.org",
                                                      "role": "editor"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    assert HAND_OVER in html and "nina@example.org" in html
    assert created.headers["Cache-Control"] == "private, no-store"
    link = _shown_link(html)
    assert link.startswith("http://localhost/reset/")
    assert outbox == []
    with app.app_context():
        nina = services.find_by_email("nina@example.org")
        assert (nina.display_name, nina.role, nina.active) == ("Nina New", Role.EDITOR, True)
        assert len(nina.password_hash) > 40 and not nina.check_password("")
    # The link is hers, good once: she chooses a password and logs in with it.
    browser = app.test_client()
    assert _choose(browser, _path(link)).status_code == 302
    assert Auth(browser).login("nina@example.org", NEW_PASSWORD).headers["Location"] == "/desk/"
    assert browser.get(_path(link)).status_code == 400


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org", CMS_BASE_URL=BASE, CMS_TRUSTED_HOSTS="localhost")
def test_a_new_user_is_mailed_the_link_on_the_base_url_when_mail_is_on(app, as_admin, outbox):
    created = as_admin.post("/desk/users/new", data={"display_name": "Milo Mailed",
                                                      "email": "milo@example.org", "role": "writer"})
    assert created.status_code == 302 and created.headers["Location"] == "/desk/users"
    listing = as_admin.get("/desk/users").get_data(as_text=True)
    assert "A link to set a password was e-mailed to milo@example.org." in listing
    [message] = outbox
    assert message["To"] == "milo@example.org"
    link = _link_in(message)
    assert link.startswith(f"{BASE}/reset/") and "localhost" not in message.get_content()
    assert "works for one hour and once" in message.get_content()


def test_creating_refuses_a_taken_address_a_bad_role_and_an_empty_name(app, as_admin, admin):
    taken = as_admin.post("/desk/users/new", data={"display_name": "Again", "email": "ADMIN@example.org",
                                                    "role": "writer"})
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    bad_role = as_admin.post("/desk/users/new", data={"display_name": "R", "email": "r@example.org",
                                                       "role": "owner"})
    assert bad_role.status_code == 400 and "Not a valid choice" in bad_role.get_data(as_text=True)
    nameless = as_admin.post("/desk/users/new", data={"display_name": "\u202e", "email": "n@example.org",
                                                       "role": "writer"})
    assert nameless.status_code == 400
    with app.app_context():
        assert [user.email for user in db.session.scalars(db.select(User))] == ["admin@example.org"]


# --- Roles, disabling, enabling: every session ends -------------------------------------------


def test_a_new_role_ends_every_session_of_the_user(app, as_admin, make_user):
    editor = make_user(Role.EDITOR)
    own, thief = _logged_in_elsewhere(app, editor)
    changed = as_admin.post(f"/desk/users/{editor.id}/role", data={"role": "writer"})
    assert changed.status_code == 302
    assert "is now writer; every session of theirs has ended." in as_admin.get("/desk/users").get_data(
        as_text=True)
    assert _sent_to_login(thief) and _sent_to_login(own)
    assert _stored(app, editor).role == Role.WRITER
    assert as_admin.get("/desk/users").status_code == 200  # the admin's own session stands


def test_the_same_role_again_ends_nothing(app, as_admin, make_user):
    editor = make_user(Role.EDITOR)
    own, _ = _logged_in_elsewhere(app, editor)
    assert as_admin.post(f"/desk/users/{editor.id}/role", data={"role": "editor"}).status_code == 302
    assert own.get("/desk/").status_code == 200


def test_a_replayed_session_cookie_after_disable_is_anonymous(app, as_admin, make_user):
    writer = make_user(Role.WRITER)
    own, thief = _logged_in_elsewhere(app, writer)
    disabled = as_admin.post(f"/desk/users/{writer.id}/disable")
    assert disabled.status_code == 302
    assert "is disabled; every session of theirs has ended." in as_admin.get("/desk/users").get_data(
        as_text=True)
    assert _sent_to_login(thief) and _sent_to_login(own)
    assert "Unknown email or wrong password." in Auth(app.test_client()).login(writer).get_data(as_text=True)
    # Enabled again, they log in with their password; the old cookie stays anonymous.
    assert as_admin.post(f"/desk/users/{writer.id}/enable").status_code == 302
    assert _stored(app, writer).active
    assert Auth(app.test_client()).login(writer).status_code == 302
    assert _sent_to_login(thief)


def test_an_admin_may_not_disable_themself_or_take_away_their_own_admin_role(app, as_admin, admin):
    refused = as_admin.post(f"/desk/users/{admin.id}/disable")
    assert refused.status_code == 400 and NOT_YOURSELF_DISABLE in refused.get_data(as_text=True)
    for role in ("editor", "writer", "moderator"):
        refused = as_admin.post(f"/desk/users/{admin.id}/role", data={"role": role})
        assert refused.status_code == 400 and NOT_YOURSELF_ROLE in refused.get_data(as_text=True)
    assert as_admin.post(f"/desk/users/{admin.id}/role", data={"role": "admin"}).status_code == 302
    stored = _stored(app, admin)
    assert stored.active and stored.role == Role.ADMIN
    assert as_admin.get("/desk/users").status_code == 200  # still logged in


def test_another_admin_may(app, as_admin, make_user):
    other = make_user(Role.ADMIN)
    assert as_admin.post(f"/desk/users/{other.id}/role", data={"role": "editor"}).status_code == 302
    assert as_admin.post(f"/desk/users/{other.id}/disable").status_code == 302
    stored = _stored(app, other)
    assert stored.role == Role.EDITOR and not stored.active


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_change_needs_the_session_csrf_token(app, as_admin, make_user):
    writer = make_user(Role.WRITER)
    for action, data in [("role", {"role": "editor"}), ("disable", {}), ("reset-link", {})]:
        assert as_admin.post(f"/desk/users/{writer.id}/{action}", data=data).status_code == 400
    assert as_admin.post("/desk/users/new", data={"display_name": "X", "email": "x@example.org",
                                                  "role": "writer"}).status_code == 400
    stored = _stored(app, writer)
    assert stored.role == Role.WRITER and stored.active
    token = csrf_token(as_admin.get("/desk/users").get_data(as_text=True))
    assert as_admin.post(f"/desk/users/{writer.id}/disable", data={"csrf_token": token}).status_code == 302
    assert not _stored(app, writer).active


# --- Reset links from the admin screen --------------------------------------------------------


def test_a_reset_link_with_mail_off_is_shown_once_to_hand_over(app, as_admin, make_user, outbox):
    writer = make_user(Role.WRITER)
    own, thief = _logged_in_elsewhere(app, writer)
    shown = as_admin.post(f"/desk/users/{writer.id}/reset-link")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Give this link to the person; it works for one hour and once." in html
    assert outbox == []
    assert own.get("/desk/").status_code == 200  # a link alone ends nothing
    assert _choose(app.test_client(), _path(_shown_link(html))).status_code == 302
    assert _sent_to_login(own) and _sent_to_login(thief)  # the reset does
    assert HAND_OVER not in as_admin.get("/desk/users").get_data(as_text=True)  # kept nowhere


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org", CMS_BASE_URL=BASE, CMS_TRUSTED_HOSTS="localhost")
def test_a_reset_link_with_mail_on_is_e_mailed_on_the_base_url(app, as_admin, make_user, outbox):
    writer = make_user(Role.WRITER, email="w@example.org")
    sent = as_admin.post(f"/desk/users/{writer.id}/reset-link")
    assert sent.status_code == 302
    assert "A link to set a password was e-mailed to w@example.org." in as_admin.get(
        "/desk/users").get_data(as_text=True)
    [message] = outbox
    assert message["To"] == "w@example.org" and _link_in(message).startswith(f"{BASE}/reset/")


@pytest.mark.config(CMS_MAIL_SERVER="127.0.0.1", CMS_MAIL_PORT=1)
def test_when_the_mail_fails_the_link_is_shown_instead(as_admin, make_user):
    writer = make_user(Role.WRITER, email="w@example.org")
    shown = as_admin.post(f"/desk/users/{writer.id}/reset-link")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "could not be sent" in html and HAND_OVER in html


def test_no_reset_link_for_a_disabled_account(app, as_admin, make_user):
    writer = make_user(Role.WRITER)
    as_admin.post(f"/desk/users/{writer.id}/disable")
    refused = as_admin.post(f"/desk/users/{writer.id}/reset-link")
    assert refused.status_code == 400 and "enable the account first" in refused.get_data(as_text=True)


# --- The users CLI: enable and list -----------------------------------------------------------


def test_users_enable_lets_a_disabled_user_log_in_again(runner, client, make_user):
    user = make_user(Role.WRITER, email="w@example.org")
    runner.invoke(args=["users", "disable", "w@example.org"])
    result = runner.invoke(args=["users", "enable", "W@example.org"])
    assert result.exit_code == 0 and result.output == "w@example.org: enabled\n"
    assert Auth(client).login(user).status_code == 302
    missing = runner.invoke(args=["users", "enable", "nobody@example.org"])
    assert missing.exit_code == 1 and "No user with the email nobody@example.org" in missing.output


def test_users_list_shows_last_login_and_two_factor(app, runner, make_user):
    seen = make_user(Role.EDITOR, email="seen@example.org", name="Seen")
    make_user(Role.WRITER, email="w@example.org", name="Wendy")
    Auth(app.test_client()).login(seen, PASSWORD)
    with app.app_context():
        stored = db.session.get(User, seen.id)
        stored.totp_secret = "JBSWY3DPEHPK3PXP"
        db.session.commit()
        when = f"{stored.last_login_at:%Y-%m-%d %H:%M} UTC"
    assert runner.invoke(args=["users", "list"]).output == (
        f"seen@example.org\tSeen\teditor\tactive\t{when}\t2FA on\n"
        "w@example.org\tWendy\twriter\tactive\tnever\t2FA off\n")
