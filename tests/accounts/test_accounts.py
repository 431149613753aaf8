"""Accounts: the users CLI, password rules, login and logout."""

import re

import pytest
from sqlalchemy import select

from cms.accounts import services
from cms.accounts.models import Role, User
from cms.extensions import db
from tests.conftest import PASSWORD, form_token


def test_users_create_reads_the_password_from_standard_input(runner, app):
    result = runner.invoke(
        args=["users", "create", "Nina@Example.org", "--name", "Nina Writer", "--role", "writer",
              "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "created: nina@example.org (writer)\n"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.display_name == "Nina Writer"
        assert user.role == Role.WRITER
        assert user.password_hash != "a long enough password"
        assert user.check_password("a long enough password")


def test_users_create_refuses_a_short_password_and_a_duplicate(runner, make_user):
    short = runner.invoke(args=["users", "create", "a@example.org", "--name", "A", "--role",
                                "editor", "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    make_user(Role.WRITER, email="taken@example.org")
    again = runner.invoke(args=["users", "create", "TAKEN@example.org", "--name", "B", "--role",
                                "writer", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_users_create_without_password_stdin_is_a_usage_error(runner):
    result = runner.invoke(args=["users", "create", "a@example.org", "--name", "A", "--role", "writer"])
    assert result.exit_code == 2
    assert "--password-stdin" in result.output


def test_users_list_set_role_and_disable(runner, make_user, app):
    make_user(Role.WRITER, email="w@example.org", name="Wendy")
    assert runner.invoke(args=["users", "set-role", "w@example.org", "editor"]).output == (
        "w@example.org: editor\n")
    assert runner.invoke(args=["users", "disable", "w@example.org"]).output == "w@example.org: disabled\n"
    listing = runner.invoke(args=["users", "list"]).output
    assert listing == "w@example.org\tWendy\teditor\tdisabled\tnever\t2FA off\n"
    missing = runner.invoke(args=["users", "disable", "nobody@example.org"])
    assert missing.exit_code == 1 and "No user with the email nobody@example.org" in missing.output


def test_password_must_not_be_the_email(ctx):
    with pytest.raises(services.AccountError, match="must not be the email"):
        services.create_user("longaddress@example.org", "X", Role.WRITER, "LongAddress@example.org")


def test_login_then_logout_by_post(client, auth, make_user):
    writer = make_user(Role.WRITER)
    response = auth.login(writer)
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk/"
    assert "My pieces" in client.get("/desk/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405  # logging out changes state: POST only
    assert auth.logout().status_code == 302
    assert client.get("/desk/").status_code == 302


def test_login_error_does_not_say_which_part_was_wrong(client, auth, make_user):
    writer = make_user(Role.WRITER)
    wrong_password = auth.login(writer, "not the password at all").get_data(as_text=True)
    unknown_user = auth.login("nobody@example.org").get_data(as_text=True)
    assert "Unknown email or wrong password." in wrong_password
    assert "Unknown email or wrong password." in unknown_user
    assert f'value="{writer.email}"' in wrong_password  # what was typed comes back


def test_a_disabled_user_cannot_log_in_and_loses_the_session(client, auth, make_user, app):
    writer = make_user(Role.WRITER)
    auth.login(writer)
    assert client.get("/desk/").status_code == 200
    with app.app_context():
        services.disable(db.session.get(User, writer.id))
    assert client.get("/desk/").status_code == 302
    assert "Unknown email or wrong password." in auth.login(writer).get_data(as_text=True)


def test_login_follows_only_local_next_addresses(client, make_user):
    writer = make_user(Role.WRITER)
    data = {"email": writer.email, "password": PASSWORD}
    outside = client.post("/login?next=https://evil.example/", data=data)
    assert outside.headers["Location"] == "/desk/"
    client.post("/logout")
    inside = client.post("/login?next=/desk/new", data=data)
    assert inside.headers["Location"] == "/desk/new"


def test_login_renews_the_session(client, make_user):
    writer = make_user(Role.WRITER)
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": writer.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(writer.id)


ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}
EDITORS_OWN = {"REMOTE_ADDR": "203.0.113.5"}


def _start_of_an_hour(monkeypatch):
    """The counters' clock at one second past a full hour: windows' ends are then known."""
    import time as real_time

    start = (int(real_time.time()) // 86400) * 86400 + 3600 + 1
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: start)


def test_five_wrong_passwords_from_one_client_do_not_lock_the_editor_out(client, make_user,
                                                                         monkeypatch):
    _start_of_an_hour(monkeypatch)
    editor = make_user(Role.EDITOR)
    for _ in range(5):
        failed = client.post("/login", data={"email": editor.email, "password": "wrong password!!"},
                             environ_base=ATTACKER)
        assert failed.status_code == 200
    blocked = client.post("/login", data={"email": editor.email, "password": PASSWORD},
                          environ_base=ATTACKER)
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Too many failed attempts to log in. Try again in 15 minutes." in page
    assert blocked.headers["Retry-After"] == str(15 * 60 - 1)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # The editor, from their own client, logs in at once.
    own = client.application.test_client()
    assert own.post("/login", data={"email": editor.email, "password": PASSWORD},
                    environ_base=EDITORS_OWN).status_code == 302


def test_the_wait_grows_with_repeated_failures_of_the_same_client(client, make_user, monkeypatch):
    _start_of_an_hour(monkeypatch)
    writer = make_user(Role.WRITER)
    waits = []
    for _ in range(21):
        response = client.post("/login", data={"email": writer.email, "password": "wrong password!!"},
                               environ_base=ATTACKER)
        waits.append(int(response.headers.get("Retry-After", 0)))
    assert waits[:5] == [0] * 5
    assert set(waits[5:10]) == {15 * 60 - 1} and set(waits[10:20]) == {3600 - 1}
    assert waits[20] == 86400 - 3600 - 1  # the rest of the day


def test_many_accounts_guessed_from_one_client_make_it_wait_for_any(client, make_user, monkeypatch):
    _start_of_an_hour(monkeypatch)
    writer = make_user(Role.WRITER)
    for number in range(30):
        client.post("/login", data={"email": f"guess{number}@example.org", "password": "x" * 12},
                    environ_base=ATTACKER)
    blocked = client.post("/login", data={"email": writer.email, "password": PASSWORD},
                          environ_base=ATTACKER)
    assert blocked.status_code == 429
    other_client = client.application.test_client()
    allowed = other_client.post("/login", data={"email": writer.email, "password": PASSWORD},
                                environ_base=EDITORS_OWN)
    assert allowed.status_code == 302


def test_a_burst_of_parallel_guesses_cannot_slip_past_the_count(app, make_user, monkeypatch):
    """Counting is one atomic step before the password is checked: of 12 guesses sent at
    once, no more than 5 reach the password check."""
    from concurrent.futures import ThreadPoolExecutor

    _start_of_an_hour(monkeypatch)  # no window may end during the burst
    writer = make_user(Role.WRITER)

    def guess(_number: int) -> int:
        return app.test_client().post("/login", data={"email": writer.email, "password": "wrong guess!!"},
                                      environ_base=ATTACKER).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(guess, range(12)))
    assert statuses.count(200) == 5 and statuses.count(429) == 7


def test_four_failures_still_let_the_right_password_in(client, make_user):
    writer = make_user(Role.WRITER)
    for _ in range(4):
        client.post("/login", data={"email": writer.email, "password": "wrong password!!"})
    assert client.post("/login", data={"email": writer.email, "password": PASSWORD}).status_code == 302


def test_login_throttle_keys_hold_no_address_or_email(app):
    from cms.accounts import throttle

    with app.test_request_context():
        keys = throttle._keys("Nina@Example.org", "203.0.113.5")
    assert all(len(key) == 64 and "203.0.113" not in key and "nina" not in key for key in keys)


def test_moderators_start_at_the_comment_queue_writers_at_the_desk(client, auth, make_user):
    assert auth.login(make_user(Role.MODERATOR)).headers["Location"] == "/moderation/comments"
    auth.logout()
    assert auth.login(make_user(Role.EDITOR)).headers["Location"] == "/desk/"


def test_every_worker_shares_the_login_counters(app, make_user, monkeypatch):
    """Two apps on one database stand for two gunicorn workers: failures add up across them."""
    from cms import create_app

    _start_of_an_hour(monkeypatch)
    writer = make_user(Role.WRITER)
    other_worker = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED",
        "CMS_PASSWORD_HASH_METHOD")} | {"CMS_INSTANCE_PATH": app.instance_path})
    for number in range(5):
        worker = app if number % 2 else other_worker
        worker.test_client().post("/login", data={"email": writer.email, "password": "wrong password!!"})
    blocked = app.test_client().post("/login", data={"email": writer.email, "password": PASSWORD})
    assert blocked.status_code == 429
    with other_worker.app_context():
        db.engine.dispose()  # its pooled connections, closed before the test ends


def test_opening_the_login_page_or_failing_to_log_in_creates_no_session(client, make_user):
    page = client.get("/login")
    assert "Set-Cookie" not in page.headers
    failed = client.post("/login", data={"email": make_user("writer").email, "password": "wrong one!",
                                         "form_token": form_token(page.get_data(as_text=True))})
    assert "Unknown email or wrong password." in failed.get_data(as_text=True)
    assert "Set-Cookie" not in failed.headers
    sent_away = client.get("/desk/")
    assert sent_away.status_code == 302 and "Set-Cookie" not in sent_away.headers
    login = client.get(sent_away.headers["Location"])
    assert "Please log in to see this page." in login.get_data(as_text=True)
    assert "Set-Cookie" not in login.headers


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("token", ["", "forged.token", None])
def test_a_login_form_without_its_own_valid_token_is_refused_with_the_email_kept(client, make_user, token):
    user = make_user("writer")
    if token is None:  # a token of another form: a comment form's
        from cms.formtokens import make_token

        with client.application.app_context():
            token = make_token("comment", 0)
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD, "form_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Set-Cookie" not in refused.headers
    assert "Please log in again." in page and f'value="{user.email}"' in page
    assert client.get("/desk/").status_code == 302  # not logged in


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_logging_out_leaves_no_session_behind_and_says_so(client, auth, make_user):
    assert auth.login(make_user("writer")).status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/desk/").get_data(as_text=True))
    out = client.post("/logout", data={"csrf_token": token.group(1)})
    assert out.headers["Location"] == "/login?done=logout"
    assert "session=;" in out.headers["Set-Cookie"]  # the cookie is deleted, not renewed
    page = client.get(out.headers["Location"])
    assert "You are logged out." in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers
