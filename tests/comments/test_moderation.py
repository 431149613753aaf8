"""The moderation queue: roles, actions one by one and in bulk, history, closing, blocked words."""

from __future__ import annotations

import pytest

from cms.accounts.models import User
from cms.comments import services
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.extensions import db
from cms.permissions import PermissionDenied
from tests.conftest import csrf_token, form_token


@pytest.fixture
def three_comments(make_piece, send_comment, comments_of):
    piece = make_piece("Discussed")
    for body in ("First", "Second", "Third"):
        send_comment(piece, body)
    return piece, [c.id for c in comments_of(piece.id)]


def statuses(app, ids):
    with app.app_context():
        return [db.session.get(Comment, i).status for i in ids]


@pytest.mark.parametrize("role", ["moderator", "editor", "admin"])
def test_moderators_editors_and_admins_see_the_queue_newest_first(
    client, auth, make_user, three_comments, role
):
    auth.login(make_user(role))
    page = client.get("/moderation/comments").get_data(as_text=True)
    assert '<a href="/moderation/comments?status=pending" aria-current="page">Pending (3)</a>' in page
    assert "Approved (0)" in page and "Spam (0)" in page and "Deleted (0)" in page
    assert page.index("Third") < page.index("Second") < page.index("First")
    assert '<a href="/articles/discussed">Discussed</a>' in page
    assert 'href="/moderation"' in client.get("/").get_data(as_text=True).replace(
        'href="/moderation/comments"', 'href="/moderation"')


@pytest.mark.parametrize("url", ["/moderation", "/moderation/", "/moderation/comments",
                                 "/moderation/comments/1", "/moderation/blocked-words"])
def test_writers_get_403_and_readers_are_sent_to_log_in(client, auth, make_user, three_comments, url):
    assert client.get(url).status_code == 302
    assert client.get(url).headers["Location"].startswith("/login?next=")
    auth.login(make_user("writer"))
    assert client.get(url).status_code == 403
    assert client.post("/moderation/comments", data={"one": "approve:1"}).status_code == 403


def test_the_services_refuse_writers_and_readers(app, make_user, three_comments):
    _, ids = three_comments
    writer = make_user("writer")
    with app.app_context():
        with pytest.raises(PermissionDenied):
            services.moderate(db.session.get(User, writer.id), ids, "approve")
        with pytest.raises(PermissionDenied):
            services.moderate(None, ids, "approve")
    assert statuses(app, ids) == [CommentStatus.PENDING] * 3


def test_a_bulk_action_changes_exactly_the_selected_rows(app, client, auth, make_user, three_comments):
    _, (first, second, third) = three_comments
    auth.login(make_user("moderator"))
    response = client.post("/moderation/comments", data={
        "action": "approve", "ids": [str(first), str(third)], "status": "pending"})
    assert response.status_code == 302
    assert statuses(app, [first, second, third]) == [
        CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.APPROVED]
    assert "2 comments approved." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_row_button_changes_only_its_row_even_with_other_rows_ticked(
    app, client, auth, make_user, three_comments
):
    _, (first, second, third) = three_comments
    auth.login(make_user("moderator"))
    client.post("/moderation/comments", data={
        "one": f"spam:{second}", "ids": [str(first), str(third)], "action": "approve"})
    assert statuses(app, [first, second, third]) == [
        CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.PENDING]


def test_every_action_leaves_its_event_and_shows_in_the_history(
    app, client, auth, make_user, three_comments
):
    _, (first, *_rest) = three_comments
    moderator = make_user("moderator", name="Mona Moderator")
    auth.login(moderator)
    steps = [("approve", CommentStatus.APPROVED), ("unapprove", CommentStatus.PENDING),
             ("spam", CommentStatus.SPAM), ("delete", CommentStatus.DELETED),
             ("restore", CommentStatus.PENDING)]
    for action, expected in steps:
        client.post(f"/moderation/comments/{first}", data={"action": action})
        assert statuses(app, [first]) == [expected], action
    with app.app_context():
        events = db.session.scalars(db.select(ModerationEvent).order_by(ModerationEvent.id)).all()
        assert [(e.comment_id, e.moderator_id, e.action) for e in events] == [
            (first, moderator.id, action) for action, _ in steps]
        comment = db.session.get(Comment, first)
        assert comment.moderated_by_id == moderator.id and comment.moderated_at is not None
    page = client.get(f"/moderation/comments/{first}").get_data(as_text=True)
    history = page.split("<h2>History</h2>")[1]
    assert history.count("<td>Mona Moderator</td>") == 5
    assert [a for a, _ in steps] == [
        line.split("<td>")[-1].split("</td>")[0] for line in history.splitlines() if "<tr><td>" in line]


def test_an_action_that_does_not_apply_changes_nothing_and_leaves_no_event(
    app, make_user, three_comments
):
    _, (first, *_rest) = three_comments
    with app.app_context():
        user = db.session.get(User, make_user("moderator").id)
        assert services.moderate(user, [first], "restore") == []  # it is not deleted
        assert services.moderate(user, [first], "unapprove") == []
        assert db.session.scalar(db.select(db.func.count(ModerationEvent.id))) == 0


def test_a_get_never_changes_a_comment(app, client, auth, make_user, three_comments):
    _, ids = three_comments
    auth.login(make_user("admin"))
    for url in ("/moderation/comments?action=approve&ids=1&one=approve:1",
                f"/moderation/comments/{ids[0]}?action=approve", "/moderation",
                "/moderation/comments?status=spam"):
        assert client.get(url).status_code in {200, 302}
    assert client.get(f"/moderation/pieces/{three_comments[0].id}/comments?open=0").status_code == 405
    assert statuses(app, ids) == [CommentStatus.PENDING] * 3
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ModerationEvent.id))) == 0


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_moderation_post_without_the_csrf_token_is_refused(
    app, client, make_user, three_comments
):
    piece, ids = three_comments
    moderator = make_user("moderator")
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": moderator.email, "password": "correct horse battery staple",
                                "form_token": form_token(login)})
    for url, data in [("/moderation/comments", {"one": f"approve:{ids[0]}"}),
                      (f"/moderation/comments/{ids[0]}", {"action": "approve"}),
                      (f"/moderation/pieces/{piece.id}/comments", {"open": "0"})]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "The form had expired" in response.get_data(as_text=True)
    assert statuses(app, ids) == [CommentStatus.PENDING] * 3
    page = client.get("/moderation/comments").get_data(as_text=True)
    client.post("/moderation/comments", data={"one": f"approve:{ids[0]}",
                                              "csrf_token": csrf_token(page)})
    assert statuses(app, ids)[0] == CommentStatus.APPROVED


def test_the_queue_filters_by_piece_and_the_moderator_closes_and_opens_it(
    app, client, auth, make_user, make_piece, send_comment, three_comments
):
    piece, _ = three_comments
    other = make_piece("Elsewhere")
    send_comment(other, "Not here")
    auth.login(make_user("moderator"))
    page = client.get(f"/moderation/comments?piece={piece.id}").get_data(as_text=True)
    assert "First" in page and "Not here" not in page and "Pending (3)" in page
    assert "Comments are open here." in page
    response = client.post(f"/moderation/pieces/{piece.id}/comments", data={"open": "0"})
    assert response.headers["Location"] == f"/moderation/comments?piece={piece.id}"
    assert "Comments on “Discussed” are now closed." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert "closed by a moderator" in client.get("/articles/discussed").get_data(as_text=True)
    client.post(f"/moderation/pieces/{piece.id}/comments", data={"open": "1"})
    assert "Add new comment" in client.get("/articles/discussed").get_data(as_text=True)


def test_rows_show_name_email_time_and_whether_a_comment_is_a_reply(
    app, client, auth, make_user, make_piece, send_comment, comments_of
):
    piece = make_piece("Rows")
    send_comment(piece, "Parent text", name="Pat", email="pat@example.org")
    [parent] = comments_of(piece.id)
    with app.app_context():
        services.moderate(db.session.get(User, make_user("moderator").id), [parent.id], "approve")
    send_comment(piece, "Child text", reply_to=parent.id)
    auth.login(make_user("moderator"))
    page = client.get("/moderation/comments").get_data(as_text=True)
    assert f'reply to <a href="/moderation/comments/{parent.id}">#{parent.id}</a>' in page
    approved = client.get("/moderation/comments?status=approved").get_data(as_text=True)
    assert "<strong>Pat</strong> &lt;pat@example.org&gt;" in approved
    assert '<div class="comment-text"><p>Parent text</p></div>' in approved
    assert "<time datetime=" in approved


def test_admins_set_blocked_words_and_such_comments_go_to_spam(
    app, client, auth, make_user, make_piece, send_comment, comments_of
):
    piece = make_piece("Blocked")
    moderator = make_user("moderator")
    auth.login(moderator)
    assert client.get("/moderation/blocked-words").status_code == 403
    auth.logout()
    auth.login(make_user("admin"))
    response = client.post("/moderation/blocked-words", data={"words": "casino\r\n\r\nCheap Pills\r\n"})
    assert response.status_code == 302
    page = client.get("/moderation/blocked-words").get_data(as_text=True)
    assert "2 blocked words saved." in page and ">\r\ncasino\nCheap Pills</textarea>" in page
    send_comment(piece, "Visit my CASINO tonight")
    send_comment(piece, "cheap pills here")
    send_comment(piece, "An honest opinion")
    assert [c.status for c in comments_of(piece.id)] == [
        CommentStatus.SPAM, CommentStatus.SPAM, CommentStatus.PENDING]
    with app.app_context(), pytest.raises(PermissionDenied):
        services.set_blocked_words(db.session.get(User, moderator.id), "x")


@pytest.mark.config(CMS_COMMENTS_PER_PAGE=2)
def test_comments_are_paged_by_thread_oldest_first(app, client, make_piece):
    from cms.comments.models import Comment, CommentStatus
    from cms.extensions import db

    piece = make_piece("Talked about")
    with app.app_context():
        ids = []
        for number in range(5):
            comment = Comment(piece_id=piece.id, author_name=f"Reader {number}",
                              body=f"Comment number {number}", body_html=f"<p>Comment number {number}</p>",
                              status=CommentStatus.APPROVED,
                              parent_id=ids[0] if number == 4 else None)
            db.session.add(comment)
            db.session.commit()
            ids.append(comment.id)
    first = client.get("/articles/talked-about").get_data(as_text=True)
    assert "<h2 id=\"comments-heading\">5 comments</h2>" in first
    assert "Comment number 0" in first and "Comment number 4" in first  # the reply stays with 0
    assert "Comment number 1" in first and "Comment number 2" not in first
    assert "Comments page 1 of 2" in first
    assert 'href="/articles/talked-about?comments=2#comments">Later comments</a>' in first
    second = client.get("/articles/talked-about?comments=2").get_data(as_text=True)
    assert "Comment number 2" in second and "Comment number 3" in second
    assert "Comment number 1" not in second
    assert client.get("/articles/talked-about?comments=999").status_code == 200
