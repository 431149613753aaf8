"""Two-factor sign-in through the pages: setting it up, logging in with a code or a recovery code,
codes refused when wrong or used before, turning it off, and CMS_REQUIRE_2FA."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from cms import create_app
from cms.accounts import twofactor
from cms.accounts.models import RecoveryCode, User, UserSession
from cms.extensions import db
from tests.conftest import PASSWORD, base_config, csrf_token, form_token

NOW = 1_893_456_010  # 2030-01-01 00:00:10 UTC: ten seconds into a time step
CODE_PAGE = "Code from your authenticator app"
WRONG = "That code is not right."


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The codes' clock, fixed: a code is then the same code until the test moves it."""
    fixed = Clock()
    monkeypatch.setattr(twofactor, "clock", fixed)
    return fixed


def code_at(secret: str, when: float = NOW) -> str:
    return pyotp.TOTP(secret).at(when)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, f"no hidden field {name} in the page"
    return found.group(1)


def shown_secret(html: str) -> str:
    found = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html)
    assert found, "no secret shown as text"
    return found.group(1).replace(" ", "")


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", html)


def enrol(client: FlaskClient, when: float = NOW) -> tuple[str, list[str]]:
    """Set it up as a person would: read the key from the page, type the app's code."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = shown_secret(page)
    assert hidden(page, "secret") == secret
    data = {"secret": secret, "form_token": form_token(page), "code": code_at(secret, when)}
    if "csrf_token" in page:
        data["csrf_token"] = csrf_token(page)
    done = client.post("/account/two-factor", data=data)
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    codes = shown_codes(done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def send_code(client: FlaskClient, step_page: str, code: str, field: str = "code", next_: str = ""):
    action = re.search(r'<form method="post" action="([^"]+)"', step_page).group(1).replace("&amp;", "&")
    assert action.startswith("/login/two-factor")
    return client.post(action, data={"account": hidden(step_page, "account"),
                                     "form_token": form_token(step_page), field: code})


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def enrolled_user(client, auth, make_user, role="editor") -> tuple[User, str, list[str]]:
    """A user who has set up two-factor sign-in, logged out again."""
    user = make_user(role)
    auth.login(user)
    secret, codes = enrol(client)
    auth.logout()
    return user, secret, codes


# --- Setting it up ----------------------------------------------------------------------------


def test_enrol_shows_an_inline_qr_code_and_the_key_then_ten_codes_once(app, client, auth, make_user,
                                                                      clock):
    user = make_user("writer")
    auth.login(user)
    response = client.get("/account/two-factor")
    page = response.get_data(as_text=True)
    # The QR code is an <svg> element in the page, labelled; no image file, no data: URI.
    svg = re.search(r"<svg [^>]*>", page).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in page
    assert "data:" not in page and "<?xml" not in page and "<img" not in page
    # Nothing is loaded from another host: every address in the page is this site's.
    for address in re.findall(r'(?:src|href|action)="([^"]*)"', page):
        assert address.startswith(("/", "#")) and not address.startswith("//"), address
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"
    secret = shown_secret(page)
    assert re.search(r'<code class="secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>', page)  # in fours
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">' in page
    # Before a right code the secret is nowhere but in the page: not stored, not in the cookie.
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret is None
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))

    done = client.post("/account/two-factor", data={
        "secret": secret, "form_token": form_token(page), "code": code_at(secret)})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "shown only this once" in html
    codes = shown_codes(html)
    assert len(set(codes)) == 10
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.two_factor and stored.totp_secret == secret
        hashes = [row.code_hash for row in stored.recovery_codes]
        assert len(hashes) == 10 and not any(code in h or code.replace("-", "") in h
                                             for code in codes for h in hashes)
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert "10 of 10 recovery codes left" in again and not shown_codes(again)
    assert not any(code in again for code in codes)


def test_enrol_with_a_wrong_code_keeps_the_same_key_and_stores_nothing(app, client, auth, make_user,
                                                                       clock):
    user = make_user("writer")
    auth.login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = shown_secret(page)
    wrong = client.post("/account/two-factor", data={
        "secret": secret, "form_token": form_token(page), "code": code_at(secret, NOW - 90)})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and WRONG in html
    assert shown_secret(html) == secret  # the app already holds this key: keep it
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret is None


def test_a_key_not_served_by_the_site_is_refused(app, client, auth, make_user, clock):
    user = make_user("writer")
    auth.login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    chosen = pyotp.random_base32()  # the token was signed for the served key, not this one
    refused = client.post("/account/two-factor", data={
        "secret": chosen, "form_token": form_token(page), "code": code_at(chosen)})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/account/two-factor")
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret is None


def test_turning_it_on_ends_the_other_sessions(app, client, auth, make_user, clock):
    user = make_user("writer")
    other = app.test_client()
    other_token = form_token(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"email": user.email, "password": PASSWORD, "form_token": other_token})
    assert logged_in(other)
    auth.login(user)
    enrol(client)
    assert logged_in(client) and not logged_in(other)


# --- Logging in -------------------------------------------------------------------------------


def test_log_in_with_a_code_and_no_cookie_before_it_is_right(app, client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    step = auth.login(user)
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and CODE_PAGE in page
    assert "Set-Cookie" not in step.headers  # the password was right: still no session
    assert not logged_in(client)
    clock.now += 30  # the next step: a new code
    done = send_code(client, page, code_at(secret, clock.now))
    assert done.status_code == 302 and done.headers["Location"] == "/desk/"
    assert "Set-Cookie" in done.headers and logged_in(client)


@pytest.mark.parametrize("offset,accepted", [(-30, True), (30, True), (-60, False), (60, False)])
def test_a_code_one_step_either_side_is_accepted_two_are_not(client, auth, make_user, clock,
                                                              offset, accepted):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    send_code(client, page, code_at(secret, clock.now + offset))
    assert logged_in(client) is accepted


def test_a_wrong_code_is_refused_with_a_fresh_form_and_no_cookie(client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    wrong = send_code(client, page, "000000" if code_at(secret, clock.now) != "000000" else "111111")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and WRONG in html
    assert "Set-Cookie" not in wrong.headers and not logged_in(client)
    assert form_token(html) != form_token(page)
    assert send_code(client, html, code_at(secret, clock.now)).status_code == 302
    assert logged_in(client)


def test_a_code_used_once_is_refused_the_second_time(client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    code = code_at(secret, clock.now)
    send_code(client, auth.login(user).get_data(as_text=True), code)
    assert logged_in(client)
    auth.logout()
    again = send_code(client, auth.login(user).get_data(as_text=True), code)  # same step, same code
    assert WRONG in again.get_data(as_text=True) and not logged_in(client)
    # The step before the one used is older: refused too, though inside the window.
    older = send_code(client, auth.login(user).get_data(as_text=True), code_at(secret, clock.now - 30))
    assert WRONG in older.get_data(as_text=True) and not logged_in(client)


def test_the_code_used_to_set_it_up_cannot_log_in(client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    reused = send_code(client, auth.login(user).get_data(as_text=True), code_at(secret))
    assert WRONG in reused.get_data(as_text=True) and not logged_in(client)


def test_log_in_with_a_recovery_code_once(app, client, auth, make_user, clock):
    user, _, codes = enrolled_user(client, auth, make_user)
    page = auth.login(user).get_data(as_text=True)
    assert 'name="recovery_code"' in page and "<details" in page  # works without JavaScript
    done = send_code(client, page, codes[3].upper(), field="recovery_code")  # case does not matter
    assert done.status_code == 302
    desk = client.get("/desk/")
    assert desk.status_code == 200 and "9 left" in desk.get_data(as_text=True)
    auth.logout()
    reused = send_code(client, auth.login(user).get_data(as_text=True), codes[3], field="recovery_code")
    assert WRONG in reused.get_data(as_text=True) and not logged_in(client)
    # The code field takes a recovery code too.
    send_code(client, auth.login(user).get_data(as_text=True), codes[4], field="code")
    assert logged_in(client)
    with app.app_context():
        assert twofactor.remaining_recovery_codes(db.session.get(User, user.id)) == 8


def test_the_second_step_keeps_next(client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    token = form_token(client.get("/login").get_data(as_text=True))
    step = client.post("/login?next=/desk/new", data={"email": user.email, "password": PASSWORD,
                                                     "form_token": token})
    done = send_code(client, step.get_data(as_text=True), code_at(secret, clock.now))
    assert done.headers["Location"] == "/desk/new"


def test_the_second_step_form_is_sent_once_and_expires(monkeypatch, client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    send_code(client, page, "not a code")
    replay = send_code(client, page, code_at(secret, clock.now))  # the same form again
    assert replay.status_code == 400 and "already sent once" in replay.get_data(as_text=True)
    assert not logged_in(client)

    page = auth.login(user).get_data(as_text=True)
    import cms.formtokens

    later = cms.formtokens.clock() + 301
    monkeypatch.setattr(cms.formtokens, "clock", lambda: later)
    expired = send_code(client, page, code_at(secret, clock.now))
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert not logged_in(client)


def test_a_forged_or_foreign_second_step_is_refused(app, client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    other, _, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    forged = client.post("/login/two-factor", data={
        "account": str(other.id), "form_token": form_token(page), "code": code_at(secret, clock.now)})
    assert forged.status_code == 400 and not logged_in(client)
    bare = client.post("/login/two-factor", data={"account": str(user.id),
                                                  "code": code_at(secret, clock.now)})
    assert bare.status_code == 400 and "Set-Cookie" not in bare.headers and not logged_in(client)


def test_too_many_wrong_codes_are_refused_with_429(monkeypatch, client, auth, make_user, clock):
    import time as real_time

    start = (int(real_time.time()) // 86400) * 86400 + 3600 + 1  # no counter window ends meanwhile
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: start)
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    for _ in range(5):  # the login throttle: five failures per account and client
        response = send_code(client, page, "12-34-56" if code_at(secret, clock.now) != "123456" else "654321")
        assert WRONG in response.get_data(as_text=True)
        page = response.get_data(as_text=True)
    blocked = send_code(client, page, code_at(secret, clock.now))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert not logged_in(client)


def test_wrong_codes_from_many_clients_are_limited_per_account(monkeypatch, client, auth, make_user,
                                                               clock):
    """Someone who has the password cannot spread guesses over many addresses."""
    import time as real_time

    start = (int(real_time.time()) // 86400) * 86400 + 3600 + 1
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: start)
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"
    for number in range(5):  # two wrong codes from each of five addresses: no client limit reached
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        page = auth.login(user).get_data(as_text=True)
        for _ in range(2):
            page = send_code(client, page, wrong).get_data(as_text=True)
            assert WRONG in page
    client.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    blocked = send_code(client, auth.login(user).get_data(as_text=True), code_at(secret, clock.now))
    assert blocked.status_code == 429 and "for this account" in blocked.get_data(as_text=True)
    assert not logged_in(client)


# --- Turning it off, new recovery codes -------------------------------------------------------


def test_turning_it_off_needs_the_password(app, client, auth, make_user, clock):
    user = make_user("writer")
    auth.login(user)
    enrol(client)
    refused = client.post("/account/two-factor/disable", data={"password": "not my password"})
    assert refused.status_code == 400 and "The password is not right." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).two_factor
    done = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert done.status_code == 302
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert not stored.two_factor and stored.totp_last_step is None
        assert not db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    auth.logout()
    assert auth.login(user).status_code == 302  # the password alone again


def test_new_recovery_codes_need_the_password_and_replace_the_old(client, auth, make_user, clock):
    user = make_user("writer")
    auth.login(user)
    _, old = enrol(client)
    refused = client.post("/account/two-factor/recovery-codes", data={"password": "wrong password"})
    assert refused.status_code == 400 and not shown_codes(refused.get_data(as_text=True))
    fresh = shown_codes(client.post("/account/two-factor/recovery-codes",
                                    data={"password": PASSWORD}).get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(old)
    auth.logout()
    stale = send_code(client, auth.login(user).get_data(as_text=True), old[0], field="recovery_code")
    assert WRONG in stale.get_data(as_text=True)
    send_code(client, auth.login(user).get_data(as_text=True), fresh[0], field="recovery_code")
    assert logged_in(client)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_with_csrf_the_account_forms_need_the_session_token_and_the_code_step_its_own(
        client, auth, make_user, clock):
    user = make_user("writer")
    auth.login(user)
    secret, _ = enrol(client)  # with the page's CSRF token
    assert client.post("/account/two-factor/disable", data={"password": PASSWORD}).status_code == 400
    token = csrf_token(client.get("/account").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    clock.now += 300
    page = auth.login(user).get_data(as_text=True)
    assert "csrf_token" not in page  # no session: the form's own token instead
    assert send_code(client, page, code_at(secret, clock.now)).status_code == 302
    assert logged_in(client)


# --- CMS_REQUIRE_2FA --------------------------------------------------------------------------


@pytest.mark.config(CMS_REQUIRE_2FA="admin,editor")
def test_an_admin_cannot_reach_the_desk_before_setting_it_up(app, client, auth, make_user, clock):
    admin = make_user("admin")
    login = auth.login(admin)
    assert login.status_code == 302 and login.headers["Location"].startswith("/account/two-factor")
    for path in ("/desk/", "/account", "/moderation/comments", "/no-such-page"):
        sent = client.get(path)
        assert sent.status_code == 303 and sent.headers["Location"] == "/account/two-factor", path
    profile = client.post("/account/profile", data={"display_name": "X", "email": admin.email})
    assert profile.status_code == 303
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "must use two-factor sign-in" in page.get_data(as_text=True)
    static = client.get("/static/favicon.svg")
    static.close()  # static files stream from an open file
    assert static.status_code == 200
    assert client.get("/healthz").status_code == 200
    enrol(client)
    assert client.get("/desk/").status_code == 200
    auth.logout()
    assert client.get("/desk/").status_code == 302  # logging out was allowed before too


@pytest.mark.config(CMS_REQUIRE_2FA="admin,editor")
def test_logging_out_is_open_before_setting_it_up(client, auth, make_user):
    auth.login(make_user("editor"))
    out = client.post("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login?done=logout"


@pytest.mark.config(CMS_REQUIRE_2FA="admin,editor")
def test_a_writer_is_not_asked_when_the_setting_names_other_roles(client, auth, make_user):
    login = auth.login(make_user("writer"))
    assert login.headers["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    assert "must use two-factor" not in client.get("/account/two-factor").get_data(as_text=True)


def test_not_required_by_default(client, auth, make_user):
    assert auth.login(make_user("admin")).headers["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_a_role_name_that_is_no_role_stops_the_app(tmp_path: Path, migrated_database):
    with pytest.raises(ValueError, match="admins"):
        create_app({**base_config(tmp_path / "instance", migrated_database), "CMS_REQUIRE_2FA": "admins"})


def test_no_address_or_user_agent_is_stored(app, client, auth, make_user, clock):
    user, secret, _ = enrolled_user(client, auth, make_user)
    clock.now += 300
    client.environ_base.update(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Agent/1.0 (secret device 42)")
    send_code(client, auth.login(user).get_data(as_text=True), code_at(secret, clock.now))
    assert logged_in(client)
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                text = repr(tuple(row))
                assert "203.0.113.77" not in text and "secret device" not in text, table.name
        assert db.session.scalars(select(UserSession.browser)).all()  # only a browser family
