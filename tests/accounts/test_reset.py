"""Password reset by e-mail: a signed link good for one hour and once, the same answer for any
address, a throttle per client, every session ended; the CLI's set-password and reset-link."""

from __future__ import annotations

import re
import time

import pytest
from flask.testing import FlaskClient

from cms.accounts import reset, services
from cms.accounts.models import Role, User
from cms.accounts.reset_views import EXPIRED, SENT
from cms.extensions import db
from tests.conftest import PASSWORD, Auth, form_token

NEW_PASSWORD = "a fresh passphrase of mine"
BASE = "https://news.example.org"


def _link_in(message) -> str:
    found = re.search(r"(\S+/reset/[\w.-]+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def _link_for(app, user: User) -> str:
    with app.test_request_context():
        return reset.reset_link(db.session.get(User, user.id))


def _path(link: str) -> str:
    return "/reset/" + link.rsplit("/reset/", 1)[1]


def _choose(client: FlaskClient, path: str, password: str = NEW_PASSWORD, repeat: str | None = None):
    """Open the link's page, then send the new password twice with the page's form token."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    token = form_token(page.get_data(as_text=True))
    return client.post(path, data={"password": password, "repeat": password if repeat is None else repeat,
                                   "form_token": token})


def _ask(client: FlaskClient, email: str, **kwargs):
    token = form_token(client.get("/reset").get_data(as_text=True))
    return client.post("/reset", data={"email": email, "form_token": token}, **kwargs)


def _copy(app, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


# --- The token ---------------------------------------------------------------------------------


def test_a_token_names_its_user_until_the_password_changes_and_never_a_disabled_one(ctx, make_user):
    user = db.session.get(User, make_user("writer").id)
    token = reset.make_reset_token(user)
    assert reset.user_for_reset_token(token) == user
    assert reset.user_for_reset_token(token + "x") is None  # forged
    assert reset.user_for_reset_token("") is None and reset.user_for_reset_token("a" * 5000) is None
    services.disable(user)
    assert reset.user_for_reset_token(token) is None
    services.enable(user)
    assert reset.user_for_reset_token(token) == user
    services.set_password(user, NEW_PASSWORD)
    assert reset.user_for_reset_token(token) is None  # good once: the password it was made for is gone


def test_a_token_of_another_purpose_or_key_is_refused(ctx, make_user):
    from itsdangerous import URLSafeTimedSerializer

    user = db.session.get(User, make_user("writer").id)
    other_salt = URLSafeTimedSerializer(ctx.config["SECRET_KEY"], salt="cms.form-token")
    assert reset.user_for_reset_token(other_salt.dumps({"u": user.id, "p": "0" * 20})) is None
    other_key = URLSafeTimedSerializer("another key", salt=reset.SALT)
    assert reset.user_for_reset_token(other_key.dumps({"u": user.id, "p": reset._fingerprint(user)})) is None


# --- The link, through HTTP --------------------------------------------------------------------


def test_a_reset_link_works_once(app, client, make_user):
    user = make_user("writer")
    path = _path(_link_for(app, user))
    done = _choose(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login?done=reset"
    login_page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your password is set: log in with it." in login_page
    again = client.get(path)
    assert again.status_code == 400 and EXPIRED in again.get_data(as_text=True)
    other = "yet another passphrase"
    replayed = client.post(path, data={"password": other, "repeat": other})
    assert replayed.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    assert Auth(app.test_client()).login(user, NEW_PASSWORD).status_code == 302
    assert "Unknown email or wrong password." in Auth(app.test_client()).login(user).get_data(as_text=True)


def test_a_reset_link_works_for_an_hour_and_not_after(app, client, make_user, monkeypatch):
    user = make_user("writer")
    path = _path(_link_for(app, user))
    made = int(time.time())
    clock = {"now": made + 3599}
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: clock["now"])
    assert client.get(path).status_code == 200
    clock["now"] = made + 3601
    late = client.get(path)
    assert late.status_code == 400 and EXPIRED in late.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD)


def test_a_reset_ends_every_session_a_copied_cookie_is_anonymous(app, client, make_user):
    user = make_user("editor")
    Auth(client).login(user)
    thief = _copy(app, client)
    assert thief.get("/desk/").status_code == 200
    browser = app.test_client()
    assert _choose(browser, _path(_link_for(app, user))).status_code == 302
    for holder in (thief, client):
        sent_away = holder.get("/desk/")
        assert sent_away.status_code == 302 and sent_away.headers["Location"].startswith("/login")


def test_the_new_password_follows_the_rules_and_errors_keep_nothing_typed(app, client, make_user):
    from cms.accounts.services import common_passwords

    user = make_user("writer")
    path = _path(_link_for(app, user))
    short = _choose(client, path, "short one")
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    common = next(word for word in sorted(common_passwords()) if len(word) >= 12)
    assert "most common" in _choose(client, path, common).get_data(as_text=True)
    assert "must not be the email" in _choose(client, path, user.email).get_data(as_text=True)
    differ = _choose(client, path, "one passphrase here", "another passphrase")
    page = differ.get_data(as_text=True)
    assert differ.status_code == 400 and "The two passwords differ." in page
    assert "one passphrase here" not in page and "another passphrase" not in page
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD)  # nothing changed: the link still works
    assert _choose(client, path).status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_both_forms_need_their_own_signed_token(app, client, make_user, outbox):
    user = make_user("writer")
    path = _path(_link_for(app, user))
    with app.app_context():
        from cms.formtokens import make_token

        login_token = make_token("login")
    for token in ("", "forged", login_token):
        refused = client.post("/reset", data={"email": user.email, "form_token": token})
        assert refused.status_code == 400 and SENT not in refused.get_data(as_text=True)
        refused = client.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD,
                                          "form_token": token})
        assert refused.status_code == 400 and "security token" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD)
    assert _choose(client, path).status_code == 302


# --- Asking for a link -------------------------------------------------------------------------


def _without_form_token(html: str) -> str:
    return re.sub(r'name="form_token" type="hidden" value="[^"]+"', "", html)


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org", WTF_CSRF_ENABLED=True)
def test_the_same_answer_for_a_known_and_an_unknown_address_and_mail_only_for_the_known(
        app, client, make_user, outbox):
    user = make_user("writer", email="known@example.org")
    known = _ask(client, "known@example.org")
    unknown = _ask(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.get_data(as_text=True)
    assert (_without_form_token(known.get_data(as_text=True))
            == _without_form_token(unknown.get_data(as_text=True)))
    assert "known@example.org" not in known.get_data(as_text=True)
    assert "Set-Cookie" not in known.headers and "Set-Cookie" not in unknown.headers
    [message] = outbox
    assert message["To"] == user.email
    assert _choose(client, _path(_link_in(message))).status_code == 302


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org", CMS_BASE_URL=BASE, CMS_TRUSTED_HOSTS="localhost")
def test_the_mailed_link_is_on_the_base_url_never_the_host_header(client, make_user, outbox):
    make_user("writer", email="known@example.org")
    assert _ask(client, "Known@Example.org", headers={"Host": "localhost"}).status_code == 200
    [message] = outbox
    link = _link_in(message)
    assert link.startswith(f"{BASE}/reset/") and "localhost" not in message.get_content()
    assert "works for one hour and once" in message.get_content()
    assert _choose(client, _path(link)).status_code == 302


def test_with_mail_off_nothing_is_sent_and_the_answer_is_the_same(client, make_user, outbox):
    make_user("writer", email="known@example.org")
    answer = _ask(client, "known@example.org")
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    assert outbox == []


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org")
def test_a_disabled_account_gets_no_mail(app, client, make_user, outbox):
    user = make_user("writer", email="gone@example.org")
    with app.app_context():
        services.disable(db.session.get(User, user.id))
    assert SENT in _ask(client, "gone@example.org").get_data(as_text=True)
    assert outbox == []


@pytest.mark.config(CMS_MAIL_SERVER="127.0.0.1", CMS_MAIL_PORT=1)
def test_a_mail_failure_is_logged_and_answered_the_same(client, make_user, caplog):
    make_user("writer", email="known@example.org")
    answer = _ask(client, "known@example.org")
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    assert any("could not send the mail" in record.getMessage() for record in caplog.records)
    assert not any("known@example.org" in record.getMessage() for record in caplog.records)


def _start_of_an_hour(monkeypatch):
    import time as real_time

    start = (int(real_time.time()) // 86400) * 86400 + 3600 + 1
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: start)


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org")
def test_asking_is_throttled_per_client_so_no_inbox_is_flooded(client, make_user, outbox, monkeypatch):
    _start_of_an_hour(monkeypatch)
    make_user("writer", email="known@example.org")
    first = {"REMOTE_ADDR": "198.51.100.7"}
    for number in range(5):
        email = "known@example.org" if number % 2 else f"guess{number}@example.org"
        assert _ask(client, email, environ_base=first).status_code == 200
    blocked = _ask(client, "known@example.org", environ_base=first)
    assert blocked.status_code == 429
    assert "Too many requests for a password link from here. Try again in 60 minutes." in blocked.get_data(
        as_text=True)
    assert len(outbox) == 2
    # Other clients still get an answer, but one address gets at most three mails an hour.
    for number in range(4):
        assert _ask(client, "known@example.org", environ_base={"REMOTE_ADDR": f"203.0.113.{number}"}
                    ).status_code == 200
    assert len(outbox) == 3


def test_the_pages_are_never_cached_and_the_login_page_links_here(client):
    first, second = client.get("/reset"), client.get("/reset")
    assert form_token(first.get_data(as_text=True)) != form_token(second.get_data(as_text=True))
    assert second.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in first.headers
    login = client.get("/login").get_data(as_text=True)
    assert '<a href="/reset">Forgot your password?</a>' in login


# --- The CLI -----------------------------------------------------------------------------------


def test_users_set_password_reads_standard_input_and_ends_every_session(app, client, runner, make_user):
    user = make_user("editor", email="ed@example.org")
    Auth(client).login(user)
    thief = _copy(app, client)
    result = runner.invoke(args=["users", "set-password", "ed@example.org", "--password-stdin"],
                           input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == "ed@example.org: password set; every session ended\n"
    assert thief.get("/desk/").status_code == 302 and client.get("/desk/").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_users_set_password_needs_the_flag_and_follows_the_rules(runner, make_user, app):
    user = make_user("writer", email="w@example.org")
    without = runner.invoke(args=["users", "set-password", "w@example.org"], input=NEW_PASSWORD + "\n")
    assert without.exit_code == 2 and "--password-stdin" in without.output
    short = runner.invoke(args=["users", "set-password", "w@example.org", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    missing = runner.invoke(args=["users", "set-password", "x@example.org", "--password-stdin"],
                            input=NEW_PASSWORD + "\n")
    assert missing.exit_code == 1 and "No user with the email x@example.org" in missing.output
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD)


@pytest.mark.config(CMS_BASE_URL=BASE)
def test_users_reset_link_prints_an_absolute_link_that_works(runner, client, make_user):
    make_user("writer", email="w@example.org")
    result = runner.invoke(args=["users", "reset-link", "w@example.org"])
    assert result.exit_code == 0, result.output
    [link] = result.output.splitlines()
    assert link.startswith(f"{BASE}/reset/")
    page = client.get(_path(link), headers={"Host": "news.example.org"})
    assert page.status_code == 200 and "w@example.org" in page.get_data(as_text=True)


def test_users_reset_link_without_a_base_url_prints_the_path(runner, client, make_user, app):
    make_user("writer", email="w@example.org")
    result = runner.invoke(args=["users", "reset-link", "w@example.org"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("/reset/")
    assert "CMS_BASE_URL is not set" in result.stderr
    assert _choose(client, result.stdout.splitlines()[-1]).status_code == 302


def test_users_reset_link_refuses_a_disabled_account(runner, make_user):
    make_user("writer", email="w@example.org")
    runner.invoke(args=["users", "disable", "w@example.org"])
    refused = runner.invoke(args=["users", "reset-link", "w@example.org"])
    assert refused.exit_code == 1 and "w@example.org is disabled" in refused.output


def test_the_role_does_not_matter_for_a_reset(app, client, make_user):
    admin = make_user(Role.ADMIN)
    assert _choose(client, _path(_link_for(app, admin))).status_code == 302
