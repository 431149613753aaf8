"""The moderation queue: roles, actions one by one and in bulk, history, closing, blocked words."""

from __future__ import annotations

import re

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
def test_moderators_editors_and_admins_see_the_pending_queue_oldest_first(
    client, auth, make_user, three_comments, role
):
    auth.login(make_user(role))
    page = client.get("/moderation/comments").get_data(as_text=True)
    assert '<a href="/moderation/comments?status=pending" aria-current="page">Pending (3)</a>' in page
    assert "Approved (0)" in page and "Spam (0)" in page and "Deleted (0)" in page
    assert "<h2>Pending, oldest first</h2>" in page
    assert page.index("First") < page.index("Second") < page.index("Third")
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
    assert "<strong class=\"author\">Pat</strong> &lt;pat@example.org&gt;" in approved
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


# --- Issue 15: a queue that keeps moderators fast -------------------------------------------------


def add_comment(app, piece_id, body, *, status=CommentStatus.PENDING, email="", held_reason="",
                withdrawn=False, created_at=None):
    """A comment row as posting (and withdrawing) leaves it, without the form: its id."""
    from datetime import timedelta

    from cms.comments.identity import email_hash
    from cms.database import utcnow

    with app.app_context():
        comment = Comment(piece_id=piece_id, author_name="Reader", author_email=email, body=body,
                          body_html=f"<p>{body}</p>", status=status, held_reason=held_reason,
                          email_hash=email_hash(email),
                          created_at=created_at or utcnow() - timedelta(minutes=1))
        if withdrawn:
            comment.status, comment.withdrawn_at = CommentStatus.DELETED, utcnow()
            db.session.add(ModerationEvent(comment=comment, moderator=None, action="withdraw"))
        db.session.add(comment)
        db.session.commit()
        return comment.id


def test_other_states_stay_newest_first_and_say_so(app, client, auth, make_user, three_comments):
    _, ids = three_comments
    auth.login(make_user("moderator"))
    client.post("/moderation/comments", data={"action": "approve", "ids": [str(i) for i in ids]})
    page = client.get("/moderation/comments?status=approved").get_data(as_text=True)
    assert "<h2>Approved, newest first</h2>" in page
    assert page.index("Third") < page.index("Second") < page.index("First")


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_the_pager_keeps_the_filters_and_names_its_direction(app, client, auth, make_user, make_piece,
                                                            monkeypatch, order):
    from cms.comments import moderation
    from cms.comments.identity import email_hash

    monkeypatch.setattr(moderation, "PER_PAGE", 2)
    piece = make_piece("Paged")
    status = CommentStatus.PENDING if order == "oldest" else CommentStatus.APPROVED
    for number in range(3):
        add_comment(app, piece.id, f"Paged {number}", status=status, email="pat@example.org")
    auth.login(make_user("moderator"))
    with app.app_context():
        hashed = email_hash("pat@example.org")
    page = client.get(f"/moderation/comments?status={status.value}&piece={piece.id}"
                      f"&commenter={hashed}").get_data(as_text=True)
    later = "Newer" if order == "oldest" else "Older"
    assert (f'<a href="/moderation/comments?status={status.value}&amp;page=2&amp;piece={piece.id}'
            f'&amp;commenter={hashed}">{later}</a>') in page
    assert (f'href="/moderation/comments?status=spam&amp;piece={piece.id}&amp;commenter={hashed}"'
            in page)  # the tabs keep both filters


def test_apply_to_all_acts_on_every_comment_shown_without_javascript(
    app, client, auth, make_user, make_piece, monkeypatch
):
    from cms.comments import moderation

    monkeypatch.setattr(moderation, "PER_PAGE", 2)
    piece = make_piece("Many")
    ids = [add_comment(app, piece.id, f"Many {n}") for n in range(3)]
    auth.login(make_user("moderator"))
    page = client.get("/moderation/comments").get_data(as_text=True)
    assert '<button type="submit" name="all" value="1">Apply to all 2 on this page</button>' in page
    shown = [int(i) for i in re.findall(r'<input type="hidden" name="shown" value="(\d+)">', page)]
    assert shown == ids[:2]
    response = client.post("/moderation/comments", data={
        "action": "spam", "all": "1", "shown": [str(i) for i in shown], "status": "pending"})
    assert statuses(app, ids) == [CommentStatus.SPAM, CommentStatus.SPAM, CommentStatus.PENDING]
    assert "2 comments marked as spam." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_the_redirect_after_a_bulk_action_keeps_the_filters(app, client, auth, make_user, three_comments):
    piece, ids = three_comments
    hashed = "a" * 64
    auth.login(make_user("moderator"))
    response = client.post("/moderation/comments", data={
        "action": "approve", "ids": [str(ids[0])], "status": "pending", "piece": str(piece.id),
        "commenter": hashed})
    assert response.headers["Location"] == (
        f"/moderation/comments?status=pending&piece={piece.id}&commenter={hashed}")
    response = client.post("/moderation/comments", data={
        "one": f"spam:{ids[1]}", "status": "spam", "commenter": "not-a-hash"})
    assert response.headers["Location"] == "/moderation/comments?status=spam"


def test_the_queue_loads_its_script_from_a_file_and_has_no_inline_script(
    client, auth, make_user, three_comments
):
    auth.login(make_user("moderator"))
    for url in ("/moderation/comments", f"/moderation/comments/{three_comments[1][0]}"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert '<script src="/static/moderation.js" defer></script>' in page, url
        assert len(re.findall(r"<script\b", page)) == 1 and " on" + "click=" not in page
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = client.get("/moderation/comments").get_data(as_text=True)
    assert ('<p class="shortcuts" id="moderation-shortcuts" hidden>Keyboard: <kbd>j</kbd> next '
            "comment, <kbd>k</kbd> previous comment, <kbd>a</kbd> approve, <kbd>s</kbd> spam, "
            "<kbd>d</kbd> delete.</p>") in page
    assert 'data-action="approve"' in page and 'class="moderation-item" tabindex="-1"' in page
    with client.get("/static/moderation.js") as response:
        script = response.get_data(as_text=True)
    assert '"approve"' in script and "isContentEditable" in script and "ctrlKey" in script


def test_held_reasons_show_in_the_row_and_first_in_the_history(app, client, auth, make_user, make_piece):
    piece = make_piece("Caught")
    comment_id = add_comment(app, piece.id, "Buy now", status=CommentStatus.SPAM,
                             held_reason="blocked word: buy")
    fast = add_comment(app, piece.id, "Quick", status=CommentStatus.SPAM, held_reason="too fast")
    auth.login(make_user("moderator"))
    page = client.get("/moderation/comments?status=spam").get_data(as_text=True)
    assert '<p class="held">Held: blocked word: buy</p>' in page
    assert '<p class="held">Held: too fast</p>' in page
    client.post(f"/moderation/comments/{fast}", data={"action": "approve"})
    history = client.get(f"/moderation/comments/{fast}").get_data(as_text=True).split(
        "<h2>History</h2>")[1]
    rows = [line for line in history.splitlines() if "<tr" in line and "<td>" in line]
    assert "<td>the site</td><td>Held on arrival: too fast</td>" in rows[0]
    assert rows[1].endswith("<td>approve</td></tr>")
    client.post(f"/moderation/comments/{comment_id}", data={"action": "approve"})
    plain = add_comment(app, piece.id, "Plain")
    for url in (f"/moderation/comments/{plain}", "/moderation/comments"):
        assert "Held:" not in client.get(url).get_data(as_text=True), url


def test_a_withdrawn_comment_cannot_be_restored_or_approved(app, client, auth, make_user, make_piece):
    piece = make_piece("Withdrawn")
    comment_id = add_comment(app, piece.id, "Changed my mind", withdrawn=True)
    moderator = make_user("moderator")
    with app.app_context():
        user = db.session.get(User, moderator.id)
        for action in ("restore", "approve"):
            assert services.moderate(user, [comment_id], action) == []
    auth.login(moderator)
    client.post(f"/moderation/comments/{comment_id}", data={"action": "restore"})
    client.post("/moderation/comments", data={"action": "restore", "all": "1",
                                              "shown": [str(comment_id)], "status": "deleted"})
    assert statuses(app, [comment_id]) == [CommentStatus.DELETED]
    page = client.get(f"/moderation/comments/{comment_id}").get_data(as_text=True)
    assert '<p class="withdrawn">Withdrawn by the reader on <time' in page
    assert 'data-action="restore"' not in page and "Edit the text" not in page
    assert "<td>the reader</td><td>withdraw</td>" in page and "a removed account" not in page
    queue = client.get("/moderation/comments?status=deleted").get_data(as_text=True)
    assert "Withdrawn by the reader on" in queue and f'value="restore:{comment_id}"' not in queue
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ModerationEvent.id))) == 1
