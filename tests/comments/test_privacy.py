"""No IP address in the database or the logs; e-mail to moderators that never loses a comment."""

from __future__ import annotations

import logging

import pytest

from cms.accounts.models import User
from cms.comments import mail, services
from cms.comments.models import CommentStatus
from cms.extensions import db
from tests.comments.conftest import ip_addresses_in_database


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=3, CMS_MAIL_SERVER="127.0.0.1", CMS_MAIL_PORT=1)
def test_after_every_kind_of_comment_and_action_the_database_and_logs_hold_no_ip_address(
    app, client, auth, make_user, make_piece, send_comment, comments_of, caplog
):
    caplog.set_level(logging.DEBUG)
    piece = make_piece("Private")
    moderator = make_user("moderator")
    send_comment(piece, "Plain one", email="someone@example.org")
    send_comment(piece, "Honeypot", website="x")
    send_comment(piece, "Bad token", token="forged")
    send_comment(piece, "Over the limit")
    send_comment(piece, "Refused: rate limited")  # the fourth that counts (a bad token does not)
    with app.app_context():
        ids = [c.id for c in comments_of(piece.id)]
        services.moderate(db.session.get(User, moderator.id), ids, "approve")
    auth.login(moderator)
    client.post("/moderation/comments", data={"action": "delete", "ids": [str(i) for i in ids]})
    assert len(ids) == 3
    assert ip_addresses_in_database(app) == []
    assert any("could not e-mail moderators" in r.getMessage() for r in caplog.records)
    for record in caplog.records:  # the mail server is 127.0.0.1 too: no message names it
        assert "127.0.0.1" not in record.getMessage(), record.getMessage()


def test_the_scan_finds_an_address_where_one_is_stored(app, make_piece, send_comment, comments_of):
    """The check above can fail: an address typed into a comment is found."""
    piece = make_piece("Typed")
    send_comment(piece, "my server is 10.1.2.3")
    found = ip_addresses_in_database(app)
    assert [(table, column) for table, column, _ in found] == [
        ("comments", "body"), ("comments", "body_html")]
    with app.app_context():
        db.session.execute(db.delete(db.metadata.tables["comments"]))
        db.session.commit()


@pytest.mark.config(CMS_MAIL_SERVER="mail.example.org", CMS_MAIL_SENDER="cms@example.org")
def test_moderators_are_mailed_when_a_new_comment_waits(
    app, make_user, make_piece, send_comment, outbox
):
    make_user("moderator", email="mod@example.org")
    make_user("writer", email="writer@example.org")
    piece = make_piece("Mailed")
    send_comment(piece, "Worth a look")
    send_comment(piece, "Spam", website="x")  # spam waits for nobody
    [message] = outbox
    assert "mod@example.org" in message["To"] and "writer@example.org" not in message["To"]
    assert message["From"] == "cms@example.org"
    assert "A new comment on “Mailed” waits for moderation." in message.get_content()
    assert "Worth a look" not in message.get_content()


@pytest.mark.config(CMS_MAIL_SERVER="127.0.0.1", CMS_MAIL_PORT=1)
def test_a_mail_failure_is_logged_and_never_loses_the_comment(
    make_user, make_piece, send_comment, comments_of, caplog
):
    make_user("moderator")
    piece = make_piece("Unmailed")
    assert send_comment(piece, "Still saved").status_code == 200
    assert [c.status for c in comments_of(piece.id)] == [CommentStatus.PENDING]
    assert any("could not e-mail moderators" in r.getMessage() for r in caplog.records)


def test_mail_is_off_by_default(app, make_user, make_piece, send_comment, outbox):
    make_user("moderator")
    send_comment(make_piece("Quiet mail"), "No mail")
    assert outbox == [] and app.config["CMS_MAIL_SERVER"] is None
    assert mail is not None
