"""How long comments and addresses are kept: `flask comments purge` and cms/comments/retention.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.comments import identity, retention, services
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.comments.withdraw import withdraw_comment
from cms.database import utcnow
from cms.extensions import db

REPORT = "purged: {} spam or deleted comments; e-mail addresses dropped: {}; edited texts dropped: {}\n"
NOTHING = REPORT.format(0, 0, 0)


@pytest.fixture
def piece(make_piece):
    return make_piece("Kept for a while")


@pytest.fixture
def moderator(make_user):
    return make_user("moderator")


@pytest.fixture
def comment(app, piece, moderator):
    """comment(state, days_old, became_days_ago=None, email=...) -> the id of a comment posted
    `days_old` days ago, brought to `state` ("held": spam on arrival; "spam", "delete",
    "withdraw", "approve", "pending") `became_days_ago` days ago."""
    bodies = iter(range(10_000))

    def make(state, days_old, became_days_ago=None, email="reader@example.org", parent=None):
        now = utcnow()
        with app.app_context():
            found = services.post_comment(db.session.get(Piece, piece.id), "Reader", email,
                                          f"Comment {next(bodies)}", parent,
                                          held="honeypot" if state == "held" else "")
            found.email_hash = identity.email_hash(email)
            if state == "withdraw":
                withdraw_comment(found)
            elif state not in {"held", "pending"}:
                services.moderate(db.session.get(User, moderator.id), [found.id], state)
            became = now - timedelta(days=became_days_ago if became_days_ago is not None
                                     else days_old)
            values = {"created_at": now - timedelta(days=days_old)}
            if state == "withdraw":
                values["withdrawn_at"] = became
            elif state not in {"held", "pending"}:
                values["moderated_at"] = became
            db.session.execute(update(Comment).where(Comment.id == found.id).values(**values))
            db.session.commit()
            return found.id

    return make


def remaining(app):
    with app.app_context():
        return set(db.session.scalars(select(Comment.id)))


@pytest.mark.parametrize("state", ["held", "spam", "delete", "withdraw"])
def test_spam_and_deleted_comments_go_31_days_after_they_became_so_not_29(app, runner, comment,
                                                                          state):
    if state == "held":  # never moderated: counted from its arrival
        kept, purged = comment(state, 29), comment(state, 31)
    else:
        kept, purged = comment(state, 400, 29), comment(state, 400, 31)
    result = runner.invoke(args=["comments", "purge"])
    assert result.exit_code == 0
    assert result.output.startswith("purged: 1 spam or deleted comments; ")
    assert kept in remaining(app) and purged not in remaining(app)


def test_an_old_comment_moderated_recently_is_counted_from_the_moderation(app, comment):
    recently = comment("spam", 400, 5)
    with app.app_context():
        assert retention.purge().purged == 0
    assert recently in remaining(app)


def test_a_withdrawal_after_an_old_moderation_counts_from_the_withdrawal(app, comment):
    withdrawn = comment("approve", 400, 100)
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == withdrawn).values(
            status=CommentStatus.DELETED, withdrawn_at=utcnow() - timedelta(days=2)))
        db.session.commit()
        assert retention.purge().purged == 0


def test_pending_and_approved_comments_are_never_purged(app, comment):
    ids = {comment("pending", 3000), comment("approve", 3000, 3000)}
    with app.app_context():
        assert retention.purge().purged == 0
    assert remaining(app) == ids


def test_a_purged_comment_takes_its_moderation_events_with_it(app, comment):
    purged = comment("spam", 400, 40)
    kept = comment("spam", 400, 10)
    with app.app_context():
        assert retention.purge().purged == 1
        events = db.session.execute(select(ModerationEvent.comment_id, func.count())
                                    .group_by(ModerationEvent.comment_id)).all()
    assert dict(events) == {kept: 1}
    assert purged not in remaining(app)


def test_approved_replies_to_a_purged_comment_stay_on_the_page(app, client, moderator, comment):
    parent = comment("approve", 100, 100)
    reply = comment("approve", 99, 99, parent=parent)
    with app.app_context():
        services.moderate(db.session.get(User, moderator.id), [parent], "delete")
        db.session.execute(update(Comment).where(Comment.id == parent)
                           .values(moderated_at=utcnow() - timedelta(days=31)))
        db.session.commit()
        assert retention.purge().purged == 1
        assert db.session.get(Comment, reply).parent_id is None
    page = client.get("/articles/kept-for-a-while").get_data(as_text=True)
    assert f'<li id="comment-{reply}">' in page


@pytest.mark.parametrize("state", ["pending", "approve"])
def test_addresses_are_dropped_366_days_after_posting_not_364(app, runner, comment, state):
    kept = comment(state, 364, 0)
    dropped = comment(state, 366, 0)
    result = runner.invoke(args=["comments", "purge"])
    assert result.output == REPORT.format(0, 1, 0)
    with app.app_context():
        old, new = db.session.get(Comment, dropped), db.session.get(Comment, kept)
        assert (old.author_email, old.email_hash) == ("", None)
        assert old.status == new.status and old.body == "Comment 1"
        assert new.author_email == "reader@example.org"
        assert new.email_hash == identity.email_hash("reader@example.org")
    assert runner.invoke(args=["comments", "purge"]).output == NOTHING  # nothing left to drop


def test_the_command_reports_both_counts_and_works_in_batches(app, runner, comment):
    for _ in range(3):
        comment("spam", 400, 40)
    comment("approve", 400, 400)
    comment("approve", 400, 400)
    comment("approve", 400, 400, email="")  # no address: nothing to drop, not counted
    result = runner.invoke(args=["comments", "purge", "--batch", "1"])
    assert result.exit_code == 0
    assert result.output == REPORT.format(3, 2, 0)
    assert len(remaining(app)) == 3
    assert runner.invoke(args=["comments", "purge"]).output == NOTHING


@pytest.mark.config(CMS_COMMENT_RETENTION_DAYS=7, CMS_COMMENTER_EMAIL_DAYS=30)
def test_the_periods_are_settings(app, runner, comment):
    comment("spam", 8, 8)
    comment("approve", 31, 31)
    assert runner.invoke(args=["comments", "purge"]).output == (
        "purged: 1 spam or deleted comments; e-mail addresses dropped: 1; edited texts dropped: 0\n")


def test_the_text_an_edit_replaced_is_kept_31_days_not_longer(app, runner, comment, moderator):
    from cms.comments.editing import edit_comment

    ids = [comment("approve", 40, 40), comment("approve", 40, 40)]
    with app.app_context():
        for comment_id, days in zip(ids, (29, 31), strict=True):
            edit_comment(db.session.get(User, moderator.id), db.session.get(Comment, comment_id),
                         "Call me, number removed", "removed a phone number")
            db.session.execute(update(ModerationEvent).where(
                ModerationEvent.comment_id == comment_id, ModerationEvent.action == "edit",
            ).values(at=utcnow() - timedelta(days=days)))
        db.session.commit()
    assert runner.invoke(args=["comments", "purge"]).output == (
        "purged: 0 spam or deleted comments; e-mail addresses dropped: 0; edited texts dropped: 1\n")
    with app.app_context():
        edits = {event.comment_id: event for event in db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.action == "edit"))}
        assert edits[ids[0]].previous_body.startswith("Comment ")
        assert edits[ids[1]].previous_body is None
        assert edits[ids[1]].reason == "removed a phone number"
        assert db.session.get(Comment, ids[1]).body == "Call me, number removed"


def test_comments_of_a_trashed_piece_stay_with_it_until_the_piece_is_purged(app, runner, piece,
                                                                           comment, make_user):
    from cms.articles import trash

    spam = comment("spam", 40, 31)
    with app.app_context():
        trash.trash_piece(db.session.get(Piece, piece.id), db.session.get(User, piece.author_id))
    assert runner.invoke(args=["comments", "purge"]).output == NOTHING
    assert spam in remaining(app)
    with app.app_context():
        trash.restore_piece(db.session.get(Piece, piece.id),
                             db.session.get(User, make_user("editor").id))
    assert runner.invoke(args=["comments", "purge"]).output == REPORT.format(1, 0, 0)
    assert spam not in remaining(app)
