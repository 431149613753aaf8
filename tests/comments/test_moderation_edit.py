"""Moderators edit a comment's text with a reason; the history keeps the text before."""

from __future__ import annotations

import pytest

from cms.accounts.models import User
from cms.comments import services
from cms.comments.editing import edit_comment
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.comments.services import BODY_MAX, CommentError
from cms.extensions import db
from cms.permissions import PermissionDenied
from tests.comments.test_moderation import add_comment

PHONE = "Call me on 0123 456 789, cheers"


@pytest.fixture
def approved(app, make_piece):
    piece = make_piece("Edited")
    return piece, add_comment(app, piece.id, PHONE, status=CommentStatus.APPROVED)


def test_an_edit_replaces_the_text_and_keeps_the_old_one_with_the_reason(app, make_user, approved):
    _, comment_id = approved
    moderator = make_user("moderator")
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        edit_comment(db.session.get(User, moderator.id), comment, "Call me, cheers <b>",
                     "  removed a   phone number ")
        comment = db.session.get(Comment, comment_id)
        assert comment.body == "Call me, cheers <b>"
        assert comment.body_html == "<p>Call me, cheers &lt;b&gt;</p>"
        [event] = db.session.scalars(db.select(ModerationEvent)).all()
        assert (event.action, event.reason, event.previous_body, event.moderator_id) == (
            "edit", "removed a phone number", PHONE, moderator.id)
        assert comment.status == CommentStatus.APPROVED


@pytest.mark.parametrize(("body", "reason", "field", "message"), [
    ("   \n ", "typo", "body", "The comment is empty."),
    ("x" * (BODY_MAX + 1), "typo", "body", f"The comment may have at most {BODY_MAX:,} characters."),
    ("Shorter", "  ", "reason",
     "Say why you edit the comment, e.g. “removed a phone number”."),
    ("Shorter", "r" * 201, "reason", "The reason may have at most 200 characters."),
    (PHONE, "nothing", "body", "The text is the same as before: nothing was changed."),
])
def test_an_edit_is_refused_with_a_clear_message(app, make_user, approved, body, reason, field,
                                                 message):
    _, comment_id = approved
    with app.app_context():
        user = db.session.get(User, make_user("moderator").id)
        with pytest.raises(CommentError) as refused:
            edit_comment(user, db.session.get(Comment, comment_id), body, reason)
        assert (refused.value.field, refused.value.message) == (field, message)
        assert db.session.get(Comment, comment_id).body == PHONE
        assert db.session.scalar(db.select(db.func.count(ModerationEvent.id))) == 0


def test_only_moderators_may_edit(app, make_user, approved):
    _, comment_id = approved
    with app.app_context():
        for user in (None, db.session.get(User, make_user("writer").id)):
            with pytest.raises(PermissionDenied):
                edit_comment(user, db.session.get(Comment, comment_id), "Changed", "because")
        assert db.session.get(Comment, comment_id).body == PHONE


def test_the_comment_page_edits_and_its_history_shows_the_text_before_and_why(
    app, client, auth, make_user, approved
):
    _, comment_id = approved
    auth.login(make_user("moderator", name="Mona Moderator"))
    page = client.get(f"/moderation/comments/{comment_id}").get_data(as_text=True)
    assert f'<form method="post" action="/moderation/comments/{comment_id}/edit" novalidate>' in page
    assert f">\r\n{PHONE}</textarea>" in page and "Reason for the edit" in page
    response = client.post(f"/moderation/comments/{comment_id}/edit",
                           data={"body": "Call me, cheers", "reason": "removed a phone number"})
    assert response.headers["Location"] == f"/moderation/comments/{comment_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Comment #{comment_id} edited." in page
    history = page.split("<h2>History</h2>")[1]
    assert ("<td>Mona Moderator</td><td>edit<p class=\"reason\">Reason: removed a phone number</p>"
            f'<p class="reason">Text before:</p><div class="previous-text">{PHONE}</div></td>'
            ) in history
    assert '<div class="comment-text"><p>Call me, cheers</p></div>' in page


def test_a_refused_edit_shows_the_form_again_with_what_was_typed(app, client, auth, make_user,
                                                                 approved):
    _, comment_id = approved
    auth.login(make_user("moderator"))
    response = client.post(f"/moderation/comments/{comment_id}/edit",
                           data={"body": "My new <text>", "reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ">\r\nMy new &lt;text&gt;</textarea>" in page
    assert "Say why you edit the comment, e.g. “removed a phone number”." in page
    with app.app_context():
        assert db.session.get(Comment, comment_id).body == PHONE


def test_editing_an_approved_comment_updates_the_cached_public_page(app, make_user, approved):
    editor = make_user("editor")
    reader = app.test_client()
    assert PHONE in reader.get("/articles/edited").get_data(as_text=True)  # now cached
    assert PHONE in reader.get("/articles/edited").get_data(as_text=True)
    with app.app_context():  # through the service alone: only the comment and its event change
        edit_comment(db.session.get(User, editor.id), db.session.get(Comment, approved[1]),
                     "Call me, cheers", "removed a phone number")
    page = reader.get("/articles/edited").get_data(as_text=True)
    assert PHONE not in page and "Call me, cheers" in page


def test_invisible_text_is_empty_and_a_reason_loses_its_direction_marks(app, make_user, make_piece):
    from cms.articles.models import Piece
    from cms.comments.editing import edit_comment

    moderator = make_user("moderator")
    piece = make_piece("Invisible")
    with app.app_context():
        with pytest.raises(services.CommentError) as empty:
            services.post_comment(db.session.get(Piece, piece.id), "\u200d\u200d", "", "Hello")
        assert (empty.value.field, empty.value.message) == ("name", "Your name is required.")
        with pytest.raises(services.CommentError) as empty:
            services.post_comment(db.session.get(Piece, piece.id), "Ann", "", "\u200b \u200b\n")
        assert (empty.value.field, empty.value.message) == ("body", "The comment is empty.")
        comment = services.post_comment(db.session.get(Piece, piece.id), "Ann", "", "Hello")
        user = db.session.get(User, moderator.id)
        with pytest.raises(services.CommentError) as empty:
            edit_comment(user, comment, "\u200b", "a reason")
        assert empty.value.message == "The comment is empty."
        edit_comment(user, comment, "Hello there", "\u202eevil\u202c  typo")
        assert comment.events[-1].reason == "evil typo"


def test_an_edit_of_a_comment_withdrawn_meanwhile_says_so(app, client, auth, make_user, approved):
    from cms.comments.withdraw import withdraw_comment

    _, comment_id = approved
    auth.login(make_user("moderator"))
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.withdraw_hash = "0" * 64
        db.session.commit()
        withdraw_comment(comment)
    response = client.post(f"/moderation/comments/{comment_id}/edit",
                           data={"body": "Edited anyway", "reason": "typo"}, follow_redirects=True)
    assert response.status_code == 200
    assert "The reader withdrew this comment: it cannot be edited." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, comment_id).body == PHONE
