"""Posting a comment as a reader, and what readers see under a piece."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.comments import services, tokens
from cms.comments.models import Comment, CommentStatus
from cms.database import utcnow
from cms.extensions import db
from cms.interviews.models import Interview
from tests.comments.conftest import old_token
from tests.conftest import csrf_token, form_token

THANKS = "Thank you. Your comment will appear once a moderator has approved it."
NOTICE = ("Comments are read by a moderator before they appear. We keep only what you type here: "
          "your name, your e-mail address if you give one, and your comment. Nothing else: not "
          "your IP address, no cookie.")
HELP = ("<li>Plain text</li>", "<li>Lines and paragraphs break automatically.</li>",
        "<li>Allowed HTML tags: &lt;br&gt; &lt;p&gt;</li>")


@dataclass
class Clock:
    now: float


@pytest.fixture
def moving_clock(monkeypatch) -> Clock:
    """time.time() stands still, just after a minute began, until the test moves it: counters,
    marks and form tokens all read it."""
    clock = Clock(float(int(time.time()) // 60 * 60 + 1))
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: clock.now)
    return clock


def approve_all(app, piece_id, moderator):
    with app.app_context():
        ids = db.session.scalars(db.select(Comment.id).where(Comment.piece_id == piece_id)).all()
        services.moderate(db.session.get(User, moderator.id), ids, "approve")


def test_piece_page_leads_to_the_empty_form_with_the_plain_text_help(client, make_piece):
    piece = make_piece("Open piece")
    page = client.get("/articles/open-piece").get_data(as_text=True)
    assert '<h2 id="comments-heading">No comments yet</h2>' in page
    assert '<h3 id="add-comment">Add new comment</h3>' in page
    assert (f'<a class="button" href="/comments/{piece.id}/write" rel="nofollow">Write a comment</a>'
            in page)
    assert "<form" not in page.split('id="comments"')[1]  # the cached page holds no token
    write = client.get(f"/comments/{piece.id}/write")
    form = write.get_data(as_text=True)
    assert write.headers["Cache-Control"] == "private, no-store"
    assert f'action="/comments/{piece.id}"' in form
    for line in HELP:
        assert line in form
    assert NOTICE in form and form.index(NOTICE) < form.index("Send comment")
    assert 'name="form_token"' in form and 'name="csrf_token"' not in form
    assert 'name="website"' in form


def test_a_new_comment_is_invisible_until_a_moderator_approves_it(
    app, client, make_piece, make_user, send_comment, comments_of
):
    piece = make_piece("Watched")
    response = send_comment(piece, "My <b>first</b> thought\n\nand more", name="Ana",
                            email="ana@example.org")
    assert response.status_code == 200
    assert f'<p role="status">{THANKS}</p>' in response.get_data(as_text=True)
    [stored] = comments_of(piece.id)
    assert stored.status == CommentStatus.PENDING
    assert stored.body_html == "<p>My &lt;b&gt;first&lt;/b&gt; thought</p>\n<p>and more</p>"

    for url in ("/articles/watched", "/", "/feed.atom", "/archive"):
        shown = client.get(url).get_data(as_text=True)
        assert "first" not in shown and "ana@example.org" not in shown, url
    assert '<h2 id="comments-heading">No comments yet</h2>' in client.get(
        "/articles/watched").get_data(as_text=True)

    approve_all(app, piece.id, make_user("moderator"))
    shown = client.get("/articles/watched").get_data(as_text=True)
    assert '<h2 id="comments-heading">1 comment</h2>' in shown
    assert ('<div class="comment-text"><p>My &lt;b&gt;first&lt;/b&gt; thought</p>\n'
            '<p>and more</p></div>') in shown
    assert '<strong class="author">Ana</strong>' in shown
    assert "ana@example.org" not in shown  # the email is never public
    assert "first" not in client.get("/feed.atom").get_data(as_text=True)  # feeds hold no comments


def test_spam_and_deleted_comments_never_appear(app, client, make_piece, make_user, send_comment):
    piece = make_piece("Quiet")
    send_comment(piece, "Spammy words")
    send_comment(piece, "Rude words")
    moderator = make_user("moderator")
    with app.app_context():
        user = db.session.get(User, moderator.id)
        spam, rude = db.session.scalars(db.select(Comment).order_by(Comment.id)).all()
        services.moderate(user, [spam.id], "spam")
        services.moderate(user, [rude.id], "approve")
        services.moderate(user, [rude.id], "delete")
    page = client.get("/articles/quiet").get_data(as_text=True)
    assert "Spammy" not in page and "Rude" not in page
    assert '<h2 id="comments-heading">No comments yet</h2>' in page


def test_approved_comments_are_oldest_first_with_replies_threaded(
    app, client, make_piece, make_user, send_comment
):
    piece = make_piece("Threads")
    moderator = make_user("moderator")
    send_comment(piece, "Root one")
    send_comment(piece, "Root two")
    approve_all(app, piece.id, moderator)
    with app.app_context():
        root_one = db.session.scalar(db.select(Comment.id).where(Comment.body == "Root one"))
    reply_page = client.get(f"/comments/{piece.id}/reply/{root_one}").get_data(as_text=True)
    assert "<h1>Reply to Reader</h1>" in reply_page and "Root one" in reply_page
    assert f'name="reply_to" type="hidden" value="{root_one}"' in reply_page
    assert send_comment(piece, "A reply", reply_to=root_one).status_code == 200
    approve_all(app, piece.id, moderator)
    page = client.get("/articles/threads").get_data(as_text=True)
    assert '<h2 id="comments-heading">3 comments</h2>' in page
    assert page.index("Root one") < page.index("A reply") < page.index("Root two")
    thread = page.split(f'<li id="comment-{root_one}">')[1].split("Root two")[0]
    assert '<ol class="replies">' in thread and "A reply" in thread


def test_a_reply_to_a_comment_that_is_not_approved_is_refused(
    client, make_piece, send_comment, comments_of
):
    piece = make_piece("Replies")
    send_comment(piece, "Still pending")
    [pending] = comments_of(piece.id)
    assert client.get(f"/comments/{piece.id}/reply/{pending.id}").status_code == 404
    response = send_comment(piece, "My answer", reply_to=pending.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You can only reply to a published comment on this piece." in page
    assert ">\r\nMy answer</textarea>" in page
    assert len(comments_of(piece.id)) == 1


def test_two_readers_with_the_same_words_are_both_stored(
    client, make_piece, send_comment, comments_of
):
    piece = make_piece("Agreed")
    assert send_comment(piece, "Thank you!", name="Ana").status_code == 200
    assert send_comment(piece, "Thank you!", name="Bo").status_code == 200
    assert send_comment(piece, "Thank you!", name="Ana", email="ana@example.org").status_code == 200
    assert send_comment(piece, "Thank you!", name="Ana", email="other@example.org").status_code == 200
    assert [(c.author_name, c.author_email) for c in comments_of(piece.id)] == [
        ("Ana", ""), ("Bo", ""), ("Ana", "ana@example.org"), ("Ana", "other@example.org")]


def test_the_same_reader_twice_is_told_of_their_own_comment_and_may_send_it_after_the_window(
    client, make_piece, send_comment, comments_of, moving_clock
):
    piece, other = make_piece("Twice"), make_piece("Elsewhere")
    assert send_comment(piece, "Same words", name="Ana", email="ana@example.org").status_code == 200
    again = send_comment(piece, "Same words\n", name=" ANA ", email="Ana@Example.org")
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert f'<p class="error" role="alert">{services.DUPLICATE}</p>' in page
    assert "Please correct" not in page and 'class="error" id="body-error"' not in page
    assert ">\r\nSame words\n</textarea>" in page and 'value="Ana@Example.org"' in page
    assert send_comment(other, "Same words", name="Ana", email="ana@example.org").status_code == 200
    moving_clock.now += 10 * 60 - 1
    assert send_comment(piece, "Same words", name="Ana", email="ana@example.org").status_code == 400
    moving_clock.now += 2
    assert send_comment(piece, "Same words", name="Ana", email="ana@example.org").status_code == 200
    assert [c.body for c in comments_of(piece.id)] == ["Same words", "Same words"]


@pytest.mark.config(CMS_COMMENT_DUPLICATE_MINUTES=1)
def test_the_duplicate_window_is_a_setting(client, make_piece, send_comment, moving_clock):
    piece = make_piece("Short window")
    assert send_comment(piece, "Hello").status_code == 200
    assert send_comment(piece, "Hello").status_code == 400
    moving_clock.now += 61
    assert send_comment(piece, "Hello").status_code == 200


def test_without_an_email_the_same_name_from_another_client_is_another_reader(
    app, client, make_piece, send_comment, comments_of
):
    piece = make_piece("Shared name")
    assert send_comment(piece, "Me too", name="Reader").status_code == 200
    assert send_comment(piece, "Me too", name="Reader").status_code == 400  # same client
    elsewhere = app.test_client().post(
        f"/comments/{piece.id}", environ_base={"REMOTE_ADDR": "192.0.2.7"},
        data={"name": "Reader", "body": "Me too", "form_token": old_token(app, piece.id)})
    assert elsewhere.status_code == 200 and THANKS in elsewhere.get_data(as_text=True)
    assert [c.body for c in comments_of(piece.id)] == ["Me too", "Me too"]


def test_the_service_refuses_the_same_reader_and_keeps_no_name_or_text_in_the_key(
    app, make_piece
):
    from cms.ratelimit import RateCounter

    piece = make_piece("Service")
    with app.app_context():
        article = db.session.get(Piece, piece.id)
        services.post_comment(article, "Ana", "ana@example.org", "Secret words")
        with pytest.raises(services.CommentError) as refused:
            services.post_comment(article, "ana", "ANA@example.org ", "Secret words")
        assert (refused.value.field, refused.value.message) == ("body", services.DUPLICATE)
        services.post_comment(article, "Ana", "ana@example.org", "Other words")
        services.post_comment(article, "Ana", "", "Secret words", client="one client key")
        with pytest.raises(services.CommentError):
            services.post_comment(article, "Ana", "", "Secret words", client="one client key")
        services.post_comment(article, "Ana", "", "Secret words", client="another client key")
        keys = db.session.scalars(db.select(RateCounter.key)).all()
        assert keys and not any("Secret" in k or "Ana" in k.lower() or "client" in k for k in keys)


def test_the_service_keeps_a_keyed_email_hash_and_only_the_hash_of_the_withdraw_key(
    app, make_piece
):
    from cms.comments import identity

    piece = make_piece("Keys")
    with app.app_context():
        comment = services.post_comment(db.session.get(Piece, piece.id), "Ana", "Ana@Example.org",
                                        "Hello")
        key = comment.withdraw_key
        assert len(key) >= 40
        assert comment.withdraw_hash == identity.withdraw_hash(key) != key
        assert comment.email_hash == identity.email_hash("ana@example.org")
        anonymous = services.post_comment(db.session.get(Piece, piece.id), "Bo", "", "Hello")
        assert anonymous.email_hash is None and anonymous.withdraw_key != key
        comment_id = comment.id
        db.session.remove()
        stored = db.session.get(Comment, comment_id)
        assert stored.withdraw_hash == identity.withdraw_hash(key)
        assert not hasattr(stored, "withdraw_key")  # shown once, never stored
        row = db.session.execute(db.select(db.metadata.tables["comments"])
                                 .where(Comment.id == comment_id)).one()
        assert key not in [str(value) for value in row]


def test_the_thank_you_page_shows_what_was_sent_and_once_the_secret_withdraw_link(
    app, client, make_piece, send_comment, comments_of
):
    piece = make_piece("Thanked")
    response = send_comment(piece, "Line one\n\n<b>bold</b> stays text", name="Aysel")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f'<p role="status">{THANKS}</p>' in page
    sent = page.split('<h2 id="sent-heading">What you sent</h2>')[1].split("</section>")[0]
    assert '<strong class="author">Aysel</strong>' in sent
    assert ('<div class="comment-text"><p>Line one</p>\n<p>&lt;b&gt;bold&lt;/b&gt; stays text</p></div>'
            in sent)
    assert ("keep this link private; anyone with it can withdraw the comment." in page)
    found = re.search(r'<a href="(/comments/withdraw\?key=([A-Za-z0-9_-]+))" rel="nofollow">'
                      r"Withdraw this comment</a>", page)
    assert found
    assert '<a href="/articles/thanked#comments">Back to “Thanked”</a>' in page
    from cms.comments import identity

    [stored] = comments_of(piece.id)
    with app.app_context():
        assert stored.withdraw_hash == identity.withdraw_hash(found.group(2))
    assert found.group(2) not in client.get("/articles/thanked").get_data(as_text=True)
    assert client.get(found.group(1)).status_code == 200  # the link works


def test_an_error_while_saving_is_rolled_back_and_the_form_comes_back_ready_to_send_again(
    app, client, make_piece, send_comment, comments_of, monkeypatch, caplog
):
    piece = make_piece("Broken save")

    def broken_commit():
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", broken_commit)
        response = send_comment(piece, "Worth keeping", name="Ana", email="ana@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.headers["Cache-Control"] == "private, no-store"
    assert ('<p class="error" role="alert">Your comment could not be saved: the fault is ours. '
            "Your comment is kept below: please send it again.</p>") in page
    assert ">\r\nWorth keeping</textarea>" in page
    assert 'value="Ana"' in page and 'value="ana@example.org"' in page
    assert any("a comment could not be saved" in r.getMessage() for r in caplog.records)
    assert comments_of(piece.id) == []
    again = client.post(f"/comments/{piece.id}", data={
        "name": "Ana", "email": "ana@example.org", "body": "Worth keeping", "website": "",
        "form_token": form_token(page)})
    assert again.status_code == 200 and THANKS in again.get_data(as_text=True)  # not a duplicate
    assert [(c.body, c.status) for c in comments_of(piece.id)] == [
        ("Worth keeping", CommentStatus.PENDING)]  # its token kept the time the form was served


@pytest.mark.parametrize("data,message", [
    (dict(name="", body="Text kept"), "Your name is required."),
    (dict(name="x" * 81, body="Text kept"), "Your name may have at most 80 characters."),
    (dict(body=""), "The comment is empty."),
    (dict(body="x" * 5001), "The comment may have at most 5000 characters."),
    (dict(email="not an address", body="Text kept"), "This is not an email address."),
    (dict(body="<br>"), "The comment is empty."),
])
def test_bad_input_comes_back_on_the_form_with_the_text_kept(
    client, make_piece, send_comment, comments_of, data, message
):
    piece = make_piece("Errors")
    response = send_comment(piece, **{"name": "Reader", **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    if data.get("body") == "Text kept":
        assert ">\r\nText kept</textarea>" in page
    assert comments_of(piece.id) == []


def test_five_thousand_characters_with_browser_line_breaks_are_accepted(
    client, make_piece, send_comment, comments_of
):
    piece = make_piece("Long")
    body = ("x" * 99 + "\r\n") * 50  # 5,000 characters once CRLF counts as one
    assert send_comment(piece, body.rstrip("\r\n") + "y").status_code == 200
    [stored] = comments_of(piece.id)
    assert len(stored.body) == 5000 and "\r" not in stored.body


@pytest.mark.parametrize("case", ["missing", "forged", "expired", "other piece", "garbage"])
def test_a_comment_without_a_valid_form_token_is_refused_with_the_text_kept(
    app, client, make_piece, send_comment, comments_of, case
):
    piece, other = make_piece("Guarded"), make_piece("Other")
    with app.app_context():
        good = tokens.make_token(piece.id, tokens.clock() - 60)
        token = {
            "missing": "",
            "forged": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
            "expired": tokens.make_token(piece.id, tokens.clock() - 24 * 3600 - 1),
            "other piece": tokens.make_token(other.id, tokens.clock() - 60),
            "garbage": "not.a.token",
        }[case]
    response = send_comment(piece, "Words worth keeping", token=token)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your comment is kept below: please send it again." in page
    assert ">\r\nWords worth keeping</textarea>" in page
    assert re.search(r'name="form_token" type="hidden" value="[^"]+"', page)  # a fresh one
    assert comments_of(piece.id) == []


def test_a_form_sent_back_too_fast_goes_to_spam_silently(
    app, client, make_piece, send_comment, comments_of
):
    piece = make_piece("Fast")
    response = send_comment(piece, "Bot speed", token=old_token(app, piece.id, age=1))
    assert response.status_code == 200 and THANKS in response.get_data(as_text=True)
    assert [(c.status, c.held_reason) for c in comments_of(piece.id)] == [
        (CommentStatus.SPAM, "too fast")]


def test_the_token_of_the_form_page_itself_is_too_fast_when_sent_back_at_once(
    client, make_piece, comments_of
):
    piece = make_piece("Instant")
    client.get("/articles/instant")  # cached for a while: it no longer matters how long
    page = client.get(f"/comments/{piece.id}/write").get_data(as_text=True)
    token = form_token(page)
    response = client.post(f"/comments/{piece.id}", data={
        "name": "Bot", "body": "Instant reply", "form_token": token, "website": ""})
    assert THANKS in response.get_data(as_text=True)
    assert [c.status for c in comments_of(piece.id)] == [CommentStatus.SPAM]


@pytest.mark.config(CMS_COMMENT_MIN_SECONDS=0)
def test_the_minimum_time_is_a_setting(client, make_piece, send_comment, app, comments_of):
    piece = make_piece("Setting")
    send_comment(piece, "Quick but human", token=old_token(app, piece.id, age=0))
    assert [c.status for c in comments_of(piece.id)] == [CommentStatus.PENDING]


def test_a_filled_honeypot_goes_to_spam_silently(client, make_piece, send_comment, comments_of):
    piece = make_piece("Honey")
    response = send_comment(piece, "Buy now", website="http://spam.example")
    assert response.status_code == 200 and THANKS in response.get_data(as_text=True)
    assert [(c.status, c.held_reason) for c in comments_of(piece.id)] == [
        (CommentStatus.SPAM, "honeypot")]


def test_a_reader_who_only_reads_gets_no_cookie_and_the_same_page(client, app, make_piece):
    make_piece("Same for all")
    first = client.get("/articles/same-for-all")
    second = app.test_client().get("/articles/same-for-all")
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    assert first.get_data() == second.get_data()


@pytest.mark.config(CMS_PAGE_CACHE_SECONDS=0)
def test_without_the_page_cache_every_reader_still_gets_the_same_html(app, make_piece):
    make_piece("Uncached")
    pages = [app.test_client().get("/articles/uncached") for _ in range(2)]
    assert all("Set-Cookie" not in p.headers for p in pages)
    assert pages[0].get_data() == pages[1].get_data()
    assert b'name="form_token"' not in pages[0].get_data()


def test_each_visit_to_the_form_gets_a_token_of_its_own_time(app, client, make_piece):
    piece = make_piece("Fresh tokens")
    first, second = (form_token(client.get(f"/comments/{piece.id}/write").get_data(as_text=True))
                     for _ in range(2))
    assert first != second
    with app.app_context():
        assert tokens.clock() - tokens.read_token(first, piece.id).served_at <= 1


def test_a_form_token_sends_one_comment_only(app, client, make_piece, send_comment, comments_of):
    piece = make_piece("Once")
    token = old_token(app, piece.id)
    assert send_comment(piece, "The first", token=token).status_code == 200
    replay = send_comment(piece, "The same form again", token=token)
    page = replay.get_data(as_text=True)
    assert replay.status_code == 400
    assert "This comment form was already sent once. Your comment is kept below" in page
    assert ">\r\nThe same form again</textarea>" in page and form_token(page) != token
    assert [c.body for c in comments_of(piece.id)] == ["The first"]


def test_posting_anonymously_sets_no_cookie_either(client, make_piece, send_comment):
    piece = make_piece("No cookie")
    assert "Set-Cookie" not in send_comment(piece).headers
    assert "Set-Cookie" not in send_comment(piece, "").headers  # an error page neither


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_logged_in_users_forms_carry_the_session_csrf_token(
    client, auth, make_piece, make_user, comments_of
):
    piece = make_piece("Members")
    user = make_user("writer", name="Wanda")
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple",
                                "form_token": form_token(login)})
    page = client.get(f"/comments/{piece.id}/write").get_data(as_text=True)
    assert 'name="form_token"' not in page.split('class="comment-form"')[1].split("</form>")[0].replace(
        'name="form_token" type="hidden" value=""', "")
    token = csrf_token(page.split('class="comment-form"')[1])
    refused = client.post(f"/comments/{piece.id}", data={"name": "Wanda", "body": "No token"})
    assert refused.status_code == 400
    assert "The form had expired or was not sent from this site." in refused.get_data(as_text=True)
    assert ">\r\nNo token</textarea>" in refused.get_data(as_text=True)
    accepted = client.post(f"/comments/{piece.id}",
                           data={"name": "Wanda", "body": "With token", "csrf_token": token})
    assert THANKS in accepted.get_data(as_text=True)
    assert [c.body for c in comments_of(piece.id)] == ["With token"]


def test_a_moderator_closes_comments_and_the_piece_says_why(
    app, client, make_piece, make_user, send_comment, comments_of
):
    piece = make_piece("Closing")
    with app.app_context():
        services.set_comments_open(db.session.get(User, make_user("moderator").id),
                                   db.session.get(Piece, piece.id), False)
    page = client.get("/articles/closing").get_data(as_text=True)
    assert '<p class="comments-closed">Comments on this piece have been closed by a moderator.</p>' in page
    assert "Add new comment" not in page and "comment-form" not in page
    response = send_comment(piece, "Too late")
    assert response.status_code == 400
    assert "closed by a moderator" in response.get_data(as_text=True)
    assert "readonly>Too late</textarea>" in response.get_data(as_text=True)
    assert comments_of(piece.id) == []


@pytest.mark.config(CMS_COMMENTS_CLOSE_AFTER_DAYS=7)
def test_comments_close_by_themselves_days_after_publishing(
    client, make_piece, send_comment, comments_of
):
    old = make_piece("Old", published_at=utcnow() - timedelta(days=7, minutes=1))
    fresh = make_piece("Fresh", published_at=utcnow() - timedelta(days=6, hours=23))
    page = client.get("/articles/old").get_data(as_text=True)
    assert "Comments close 7 days after publishing; this piece is older." in page
    assert "comment-form" not in page
    assert send_comment(old, "Late").status_code == 400
    assert "Add new comment" in client.get("/articles/fresh").get_data(as_text=True)
    assert send_comment(fresh, "In time").status_code == 200
    assert comments_of(old.id) == [] and len(comments_of(fresh.id)) == 1


def test_comments_are_not_taken_on_pieces_readers_cannot_see(
    client, make_piece, send_comment, comments_of
):
    draft = make_piece("Draft", status="draft")
    assert send_comment(draft).status_code == 404
    assert comments_of(draft.id) == []


def test_interviews_show_comments_like_articles(
    app, client, make_piece, make_user, send_comment
):
    if "interviews.show" not in app.view_functions:
        pytest.skip("the interviews blueprint is not there yet")
    piece = make_piece("Talk", kind=Interview, body_source="Ann Ask (AA): Why?\n\nBo Be (BB): Because.")
    send_comment(piece, "About the interview")
    approve_all(app, piece.id, make_user("moderator"))
    page = client.get("/interviews/talk").get_data(as_text=True)
    assert "About the interview" in page and "Add new comment" in page


@pytest.mark.config(CMS_PAGE_CACHE_SECONDS=0, CMS_COMMENT_RATE_PER_MINUTE=100)
def test_the_piece_page_runs_the_same_number_of_queries_for_any_number_of_comments(
    app, client, make_piece, make_user, send_comment
):
    def queries(url):
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    few, many = make_piece("Few"), make_piece("Many")
    moderator = make_user("moderator")
    send_comment(few, "Only one")
    for number in range(15):
        send_comment(many, f"Comment {number}", token=old_token(app, many.id))
    approve_all(app, few.id, moderator)
    approve_all(app, many.id, moderator)
    with app.app_context():
        parent = db.session.scalar(db.select(Comment.id).where(Comment.body == "Comment 0"))
    for number in range(5):
        send_comment(many, f"Reply {number}", reply_to=parent)
    approve_all(app, many.id, moderator)
    assert '20 comments' in client.get("/articles/many").get_data(as_text=True)
    assert queries("/articles/many") == queries("/articles/few")
