"""The way to a waiting comment: the header's pending count, and the moderators' e-mail whose
link leads through the login (and its two-factor step) to the comment's page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import event

from cms.accounts import twofactor
from cms.accounts.models import User
from cms.comments.models import Comment, CommentStatus
from cms.extensions import db
from tests.comments.test_moderation import add_comment
from tests.conftest import PASSWORD, form_token

MAIL = {"CMS_MAIL_SERVER": "smtp.example.org", "CMS_BASE_URL": "https://news.example.org",
        "CMS_TRUSTED_HOSTS": "localhost"}  # the test client says Host: localhost
NOW = 1_893_456_010  # inside a TOTP step: a code stays the same until the test moves the clock


@pytest.fixture
def waiting(app, make_piece):
    """A piece with two pending comments, one approved and one held as spam."""
    piece = make_piece("Waiting")
    for body in ("One", "Two"):
        add_comment(app, piece.id, body)
    add_comment(app, piece.id, "Three", status=CommentStatus.APPROVED)
    add_comment(app, piece.id, "Four", status=CommentStatus.SPAM, held_reason="honeypot")
    return piece


@pytest.mark.parametrize("role", ["moderator", "editor", "admin"])
def test_the_header_shows_moderators_editors_and_admins_the_pending_count(
    client, auth, make_user, waiting, role
):
    auth.login(make_user(role))
    for url in ("/", "/account", "/moderation/comments?status=spam"):
        page = client.get(url).get_data(as_text=True)
        assert '<li><a href="/moderation/comments">Moderation (2)</a></li>' in page, url


def test_the_header_count_is_zero_when_nothing_waits_and_counts_only_known_pieces(
    app, client, auth, make_user, make_piece
):
    draft = make_piece("Draft", status="draft")
    add_comment(app, draft.id, "On a draft")  # a moderator may not know the draft exists
    auth.login(make_user("moderator"))
    assert "Moderation (0)</a>" in client.get("/").get_data(as_text=True)


def test_writers_and_readers_see_no_count_and_readers_pages_ask_nothing(
    app, client, auth, make_user, waiting
):
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = client.get("/").get_data(as_text=True)
        assert "Moderation" not in page
        assert not [s for s in statements if "count(comments.id)" in s]
        auth.login(make_user("writer"))
        statements.clear()
        assert "Moderation" not in client.get("/").get_data(as_text=True)
        assert not [s for s in statements if "count(comments.id)" in s]
        auth.logout()
        auth.login(make_user("moderator"))
        statements.clear()
        client.get("/")
        assert len([s for s in statements if "count(comments.id)" in s]) == 1
        statements.clear()
        client.get("/moderation/comments")  # the tabs' counts serve the header too
        assert len([s for s in statements if "count(comments.id)" in s]) == 1
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", remember)


def _mailed_link(outbox):
    [message] = outbox
    text = message.get_content()
    found = re.search(r"^https://news\.example\.org(/moderation/comments/\d+)$", text, re.M)
    assert found, text
    return text, found.group(1)


@pytest.mark.config(**MAIL)
def test_the_mail_names_the_piece_and_links_to_the_comment_but_never_quotes_the_reader(
    app, make_user, make_piece, send_comment, outbox
):
    make_user("moderator", email="mona@example.org")
    piece = make_piece("Rivers and rights")
    body = "Word " * 100 + "end"
    assert send_comment(piece, body, name="Pat Reader", email="pat@example.org").status_code in {
        200, 302, 303}
    text, path = _mailed_link(outbox)
    with app.app_context():
        comment = db.session.scalars(db.select(Comment)).one()
    assert path == f"/moderation/comments/{comment.id}"
    assert "A new comment on “Rivers and rights” waits for moderation." in text
    assert "Pat Reader" not in text and "Word" not in text and "pat@example.org" not in text
    assert "https://news.example.org/moderation/comments\n" in text


def _follow_mail_to_comment(client, path, user, *, secret=None, clock=None):
    """Open the mail's link logged out, log in (and pass the code step): the comment's page."""
    first = client.get(path)
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert urlsplit(login_url).path == "/login"
    page = client.get(login_url).get_data(as_text=True)
    assert "Please log in to see this page." in page
    step = client.post(login_url, data={"email": user.email, "password": PASSWORD,
                                        "form_token": form_token(page)})
    if secret is not None:
        step_page = step.get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)"', step_page).group(1)
        account = re.search(r'name="account" type="hidden" value="(\d+)"', step_page).group(1)
        step = client.post(action.replace("&amp;", "&"), data={
            "account": account, "form_token": form_token(step_page),
            "code": pyotp.TOTP(secret).at(clock)})
    assert step.status_code == 302 and step.headers["Location"] == path
    return client.get(path).get_data(as_text=True)


@pytest.mark.config(**MAIL)
@pytest.mark.parametrize("two_factor", [False, True], ids=["password", "two-factor"])
def test_the_mail_link_leads_through_the_login_to_one_post_that_approves(
    app, client, make_user, make_piece, send_comment, outbox, monkeypatch, two_factor
):
    moderator = make_user("moderator")
    secret = None
    if two_factor:
        monkeypatch.setattr(twofactor, "clock", lambda: NOW)
        secret = pyotp.random_base32()
        with app.test_request_context():
            twofactor.enable(db.session.get(User, moderator.id), secret, pyotp.TOTP(secret).at(NOW))
        monkeypatch.setattr(twofactor, "clock", lambda: NOW + 60)
    piece = make_piece("Linked")
    send_comment(piece, "Please approve me", name="Pat")
    _, path = _mailed_link(outbox)
    comment_id = int(path.rsplit("/", 1)[1])
    page = _follow_mail_to_comment(client, path, moderator, secret=secret, clock=NOW + 60)
    assert f"<h1>Comment #{comment_id}</h1>" in page and "Please approve me" in page
    assert '<button type="submit" name="action" value="approve" data-action="approve">' in page
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == CommentStatus.PENDING  # GETs only
    response = client.post(path, data={"action": "approve"})
    assert response.headers["Location"] == path
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == CommentStatus.APPROVED
    assert "1 comment approved." in client.get(path).get_data(as_text=True)
