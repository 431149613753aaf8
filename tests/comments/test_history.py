"""A commenter's history in the queue: earlier comments from the same e-mail (by its keyed hash
only), counted for the whole page in one query, with links to them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from cms.accounts.models import User
from cms.comments.history import Earlier, earlier_comments
from cms.comments.identity import email_hash
from cms.comments.models import Comment, CommentStatus
from cms.database import utcnow
from cms.extensions import db
from tests.comments.test_moderation import add_comment

PAT = "pat@example.org"


def _at(minutes_ago):
    return utcnow() - timedelta(minutes=minutes_ago)


def _history_of(app, make_piece):
    """Pat's past: 3 approved, 1 spam, 1 deleted, 1 pending; then a new pending comment."""
    piece = make_piece("Histories")
    for number, status in enumerate([CommentStatus.APPROVED] * 3 + [
            CommentStatus.SPAM, CommentStatus.DELETED, CommentStatus.PENDING]):
        add_comment(app, piece.id, f"Old {number}", status=status, email=PAT,
                    created_at=_at(100 - number))
    newest = add_comment(app, piece.id, "New one", email=" PAT@example.org ", created_at=_at(1))
    add_comment(app, piece.id, "Later, same address", status=CommentStatus.APPROVED, email=PAT,
                created_at=_at(0))  # later than the newest pending one: not "earlier"
    add_comment(app, piece.id, "Someone else", email="sam@example.org", created_at=_at(2))
    add_comment(app, piece.id, "No address", created_at=_at(3))
    return piece, newest


def text_of(html):
    return re.sub(r"<[^>]+>", "", html)


def test_each_row_counts_earlier_comments_from_the_same_e_mail_with_links(
    app, client, auth, make_user, make_piece
):
    _, newest = _history_of(app, make_piece)
    with app.app_context():
        hashed = email_hash(PAT)
    auth.login(make_user("moderator"))
    page = client.get("/moderation/comments").get_data(as_text=True)
    row = page.split(f'id="comment-{newest}"')[1].split("</tr>")[0]
    [line] = [text_of(p) for p in re.findall(r'<p class="earlier">.*?</p>', row)]
    assert line == "Earlier from this e-mail: 3 approved, 1 spam, 1 deleted"
    assert f'<a href="/moderation/comments?status=approved&amp;commenter={hashed}">3 approved</a>' in row
    assert f'<a href="/moderation/comments?status=spam&amp;commenter={hashed}">1 spam</a>' in row
    someone = page.split("Someone else")[0].rsplit("<tr", 1)[1]
    assert "Earlier from this e-mail: none moderated yet." in text_of(someone)
    nobody = page.split("No address")[0].rsplit("<tr", 1)[1]
    assert "Earlier from this e-mail" not in nobody


def test_the_link_lists_that_commenter_only_in_every_state(app, client, auth, make_user, make_piece):
    _history_of(app, make_piece)
    with app.app_context():
        hashed = email_hash(PAT)
    auth.login(make_user("moderator"))
    page = client.get(f"/moderation/comments?status=approved&commenter={hashed}").get_data(
        as_text=True)
    assert "Only comments from one e-mail address" in page
    tabs = re.findall(r'<nav aria-label="Comment states".*?</nav>', page, re.S)[0]
    assert re.findall(r">(\w+ \(\d+\))</a>", tabs) == [
        "Pending (2)", "Approved (4)", "Spam (1)", "Deleted (1)"]
    assert f'href="/moderation/comments?status=spam&amp;commenter={hashed}"' in tabs
    assert "Old 0" in page and "Later, same address" in page and "Someone else" not in page
    assert client.get("/moderation/comments?commenter=not-a-hash").status_code == 200
    everyone = client.get("/moderation/comments?commenter=not-a-hash").get_data(as_text=True)
    assert "Someone else" in everyone and "Only comments from one e-mail address" not in everyone


def test_the_history_of_a_page_is_one_query_and_matches_only_the_hash(app, make_user, make_piece):
    _, newest = _history_of(app, make_piece)
    statements = []
    with app.app_context():
        moderator = db.session.get(User, make_user("moderator").id)
        comments = db.session.scalars(db.select(Comment).order_by(Comment.id)).all()
        # Same address typed differently is the same commenter; nothing else ties comments.
        assert len({c.email_hash for c in comments if c.author_email.strip().casefold() == PAT}) == 1

        def remember(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            found = earlier_comments(moderator, comments)
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 1
    assert found[newest] == Earlier(approved=3, spam=1, deleted=1)
    by_body = {c.body: c.id for c in comments}
    assert found[by_body["Old 0"]] == Earlier()
    assert found[by_body["Later, same address"]] == Earlier(approved=3, spam=1, deleted=1)
    assert by_body["No address"] not in found


def test_earlier_comments_on_pieces_the_moderator_may_not_know_are_not_counted(
    app, make_user, make_piece
):
    public, draft = make_piece("Public"), make_piece("Secret draft", status="draft")
    add_comment(app, draft.id, "On the draft", status=CommentStatus.APPROVED, email=PAT,
                created_at=_at(10))
    newest = add_comment(app, public.id, "Now", email=PAT)
    with app.app_context():
        comment = db.session.get(Comment, newest)
        moderator = db.session.get(User, make_user("moderator").id)
        editor = db.session.get(User, make_user("editor").id)
        assert earlier_comments(moderator, [comment])[newest] == Earlier()
        assert earlier_comments(editor, [comment])[newest] == Earlier(approved=1)
