"""Revocable sessions and the /account page: a copied cookie of an ended session is anonymous."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from cms.accounts import services
from cms.accounts.models import User, UserSession
from cms.accounts.sessions import browser_family
from cms.extensions import db
from tests.conftest import PASSWORD, Auth

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


def _copy(app, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie (what a thief would have)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/desk/").status_code == 200


def test_a_cookie_replayed_after_logout_is_anonymous(app, client, auth, make_user):
    auth.login(make_user("writer"))
    thief = _copy(app, client)
    assert _logged_in(thief)
    auth.logout()
    assert thief.get("/desk/").headers["Location"].startswith("/login")


def test_a_cookie_replayed_after_a_password_change_is_anonymous(app, client, auth, make_user):
    user = make_user("writer")
    auth.login(user)
    thief = _copy(app, client)
    changed = client.post("/account/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase"})
    assert changed.status_code == 302
    assert not _logged_in(thief)
    assert _logged_in(client)  # this browser got a fresh session
    with app.app_context():
        assert db.session.get(User, user.id).check_password("a brand new passphrase")


@pytest.mark.parametrize("change", ["disable", "set-role"])
def test_a_cookie_replayed_after_disabling_or_a_new_role_is_anonymous(app, client, auth, runner,
                                                                      make_user, change):
    user = make_user("editor")
    auth.login(user)
    thief = _copy(app, client)
    args = ["users", "disable", user.email] if change == "disable" else [
        "users", "set-role", user.email, "writer"]
    assert runner.invoke(args=args).exit_code == 0
    assert not _logged_in(thief) and not _logged_in(client)


def test_the_account_page_lists_sessions_by_browser_family_and_ends_the_others(app, make_user):
    user = make_user("writer")
    laptop, phone = app.test_client(), app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX_LINUX
    phone.environ_base["HTTP_USER_AGENT"] = SAFARI_IPHONE
    Auth(laptop).login(user)
    Auth(phone).login(user)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Linux, since" in page and "(this browser)" in page
    assert "Safari on iOS, since" in page
    with app.app_context():
        stored = [row.browser for row in db.session.scalars(db.select(UserSession))]
    assert sorted(stored) == ["Firefox on Linux", "Safari on iOS"]  # nothing more of the agent
    ended = laptop.post("/account/sessions/end-others")
    assert ended.status_code == 302
    assert "1 other session ended." in laptop.get("/account").get_data(as_text=True)
    assert _logged_in(laptop) and not _logged_in(phone)


@pytest.mark.parametrize("agent,family", [
    (FIREFOX_LINUX, "Firefox on Linux"), (SAFARI_IPHONE, "Safari on iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile "
     "Safari/537.36", "Chrome on Android"),
    ("curl/8.5.0", "Unknown browser"), ("", "Unknown browser")])
def test_only_a_coarse_browser_family_is_kept(agent, family):
    assert browser_family(agent) == family


def test_the_password_change_needs_the_current_password_and_refuses_common_ones(client, auth,
                                                                              make_user):
    from cms.accounts.services import common_passwords

    auth.login(make_user("writer"))
    wrong = client.post("/account/password", data={"current": "not my password", "new": "a brand new one!",
                                                   "repeat": "a brand new one!"})
    assert wrong.status_code == 400 and "The current password is not right." in wrong.get_data(as_text=True)
    common = next(word for word in sorted(common_passwords()) if len(word) >= 12)
    refused = client.post("/account/password", data={"current": PASSWORD, "new": common, "repeat": common})
    assert "among the 10,000 most common ones" in refused.get_data(as_text=True)
    differ = client.post("/account/password", data={"current": PASSWORD, "new": "one passphrase here",
                                                    "repeat": "another passphrase"})
    assert "The two new passwords differ." in differ.get_data(as_text=True)


def test_a_new_email_address_needs_the_password_a_new_name_does_not(app, client, auth, make_user):
    user = make_user("writer", name="Wren Writer")
    auth.login(user)
    renamed = client.post("/account/profile", data={"display_name": "Wren W. Writer", "email": user.email})
    assert renamed.status_code == 302
    refused = client.post("/account/profile", data={"display_name": "Wren W. Writer",
                                                    "email": "new@example.org", "password": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "give your current password" in page
    assert 'value="new@example.org"' in page  # what was typed is kept
    client.post("/account/profile", data={"display_name": "Wren W. Writer", "email": "new@example.org",
                                          "password": PASSWORD})
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.display_name, stored.email) == ("Wren W. Writer", "new@example.org")


def test_a_common_password_is_refused_everywhere(app):
    from cms.accounts.services import common_passwords

    common = next(word for word in sorted(common_passwords()) if len(word) >= 12)
    with app.app_context(), pytest.raises(services.AccountError, match="most common"):
        services.create_user("c@example.org", "C", "writer", common.upper())


def test_a_session_unused_for_its_lifetime_has_ended_and_its_row_goes(app, client, auth, make_user):
    from datetime import timedelta

    from cms.database import utcnow

    user = make_user("writer")
    auth.login(user)
    with app.app_context():
        row = db.session.scalar(db.select(UserSession))
        row.last_seen_at = utcnow() - timedelta(hours=12, minutes=1)  # CMS_SESSION_LIFETIME: 12 h
        db.session.commit()
    assert not _logged_in(client)
    with app.app_context():
        assert db.session.scalars(db.select(UserSession)).all() == []
