"""A reader withdraws their own comment with the secret link shown once on the thank-you page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.comments import identity, services
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.extensions import db

NOT_VALID = "This link is not valid, or the comment was already withdrawn."


@pytest.fixture
def comment_with_key(app, make_user):
    """comment_with_key(piece, body, approve=True) -> (comment id, its withdraw key)."""
    moderator = make_user("moderator")

    def make(piece, body="I said this, and I take it back.", approve=True):
        with app.app_context():
            comment = services.post_comment(db.session.get(Piece, piece.id), "Reader",
                                            "Reader@Example.org", body)
            if approve:
                services.moderate(db.session.get(User, moderator.id), [comment.id], "approve")
            key = identity.new_withdraw_key()
            comment.withdraw_hash = identity.withdraw_hash(key)
            comment.email_hash = identity.email_hash(comment.author_email)
            db.session.commit()
            return comment.id, key

    return make


def stored(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        events = [(e.action, e.moderator_id) for e in db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
            .order_by(ModerationEvent.id))]
        db.session.expunge(comment)
        return comment, events


def test_the_link_shows_the_comment_and_a_button_and_changes_nothing(
    app, client, make_piece, comment_with_key
):
    piece = make_piece("Regrets")
    comment_id, key = comment_with_key(piece, "Second thoughts <here>")
    response = client.get(f"/comments/withdraw?key={key}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your comment on “Regrets”:" in page
    assert "Second thoughts &lt;here&gt;" in page
    assert '<button type="submit">Withdraw my comment</button>' in page
    assert '<form method="post" action="/comments/withdraw">' in page
    assert f'<input type="hidden" name="key" value="{key}">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert '<meta name="referrer" content="no-referrer">' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"
    comment, events = stored(app, comment_id)
    assert comment.status == CommentStatus.APPROVED and comment.withdraw_hash is not None
    assert events == [("approve", events[0][1])]


def test_withdrawing_deletes_the_comment_forgets_the_reader_and_spends_the_key(
    app, client, make_piece, comment_with_key
):
    comment_id, key = comment_with_key(make_piece("Regrets"))
    response = client.post("/comments/withdraw", data={"key": key})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<p role="status">Your comment has been withdrawn.</p>' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    comment, events = stored(app, comment_id)
    assert comment.status == CommentStatus.DELETED
    assert comment.withdrawn_at is not None
    assert comment.withdraw_hash is None
    assert comment.author_email == "" and comment.email_hash is None
    assert events[-1] == ("withdraw", None) and len(events) == 2
    for again in (client.post("/comments/withdraw", data={"key": key}),
                  client.get(f"/comments/withdraw?key={key}")):
        assert again.status_code == 404
        assert NOT_VALID in again.get_data(as_text=True)
    assert len(stored(app, comment_id)[1]) == 2  # no second event


def test_a_pending_comment_can_be_withdrawn_too(app, client, make_piece, comment_with_key):
    comment_id, key = comment_with_key(make_piece("Regrets"), approve=False)
    assert client.post("/comments/withdraw", data={"key": key}).status_code == 200
    comment, events = stored(app, comment_id)
    assert comment.status == CommentStatus.DELETED and events == [("withdraw", None)]


@pytest.mark.parametrize("query", ["", "?key=", "?key=not-a-key", "?key=" + "x" * 5000])
def test_an_unknown_key_is_a_clear_404_that_is_never_cached(client, make_piece, comment_with_key,
                                                            query):
    comment_with_key(make_piece("Regrets"))
    response = client.get(f"/comments/withdraw{query}")
    assert response.status_code == 404
    assert f"<p>{NOT_VALID}</p>" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    posted = client.post("/comments/withdraw", data={"key": query.removeprefix("?key=")})
    assert posted.status_code == 404 and NOT_VALID in posted.get_data(as_text=True)


def test_a_comment_a_moderator_deleted_cannot_be_withdrawn_again(
    app, client, make_piece, make_user, comment_with_key
):
    comment_id, key = comment_with_key(make_piece("Regrets"))
    with app.app_context():
        moderator = db.session.get(User, make_user("moderator").id)
        services.moderate(moderator, [comment_id], "delete")
    assert client.get(f"/comments/withdraw?key={key}").status_code == 404


def test_the_withdrawn_comment_leaves_the_cached_public_page(
    app, client, make_piece, comment_with_key
):
    assert app.config["CMS_PAGE_CACHE_SECONDS"] > 0
    piece = make_piece("Regrets")
    comment_with_key(piece, "This one stays.")
    _, key = comment_with_key(piece, "This one goes.")
    before = client.get("/articles/regrets")
    assert before.headers["Cache-Control"] == "public, no-cache"  # stored in the page cache
    assert "This one goes." in before.get_data(as_text=True)
    assert "This one goes." in client.get("/articles/regrets").get_data(as_text=True)  # a hit
    client.post("/comments/withdraw", data={"key": key})
    after = client.get("/articles/regrets").get_data(as_text=True)
    assert "This one goes." not in after
    assert "This one stays." in after
    assert '<h2 id="comments-heading">1 comment</h2>' in after


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_form_needs_no_csrf_token_because_the_key_is_the_secret(
    app, client, make_piece, comment_with_key
):
    comment_id, key = comment_with_key(make_piece("Regrets"))
    assert client.post("/comments/withdraw", data={"key": key}).status_code == 200
    assert stored(app, comment_id)[0].status == CommentStatus.DELETED


def test_the_link_on_the_thank_you_page_withdraws_the_comment(app, client, make_piece,
                                                             send_comment, comments_of):
    piece = make_piece("Regrets")
    thanks = send_comment(piece, "Posted in haste.", email="reader@example.org")
    link = re.search(r'<a href="([^"]+)" rel="nofollow">Withdraw this comment</a>',
                     thanks.get_data(as_text=True)).group(1)
    confirm = client.get(link)
    assert confirm.status_code == 200 and "Posted in haste." in confirm.get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    assert client.post("/comments/withdraw", data={"key": key}).status_code == 200
    [comment] = comments_of(piece.id)
    assert comment.status == CommentStatus.DELETED and comment.author_email == ""
    assert client.get(link).status_code == 404


def test_of_two_requests_at_once_only_the_first_withdraws(app, make_piece, comment_with_key):
    """A double click: the second request read the comment before the first committed."""
    from cms.comments.withdraw import comment_for_key, withdraw_comment

    comment_id, key = comment_with_key(make_piece("Clicked twice"))
    with app.app_context():
        late = comment_for_key(key)
        with db.engine.begin() as other:  # the first request, committed meanwhile
            other.execute(Comment.__table__.update().where(Comment.__table__.c.id == comment_id)
                          .values(withdraw_hash=None, status=CommentStatus.DELETED.value))
        assert withdraw_comment(late) is None
    comment, events = stored(app, comment_id)
    assert events == [("approve", comment.moderated_by_id)]  # no second "withdraw"
    assert comment.withdrawn_at is None
