"""Comments as readers and moderators meet them, in Chromium with JavaScript on and off.

Two readers with the same words, a reader refused by the limit, a moderator who approves
from the e-mail link, and the queue's keyboard shortcuts. The served app's mail goes to
the test's own SMTP catcher. Screenshots in test-results/e2e/test_comment_journeys/<test>/.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from cms.extensions import db
from cms.ratelimit import RateCounter, client_key, counter
from tests.e2e.conftest import Journey, LiveServer, Published

pytestmark = pytest.mark.e2e

MAIL_CAUGHT = True
DAY_LIMIT = 50
# Every reader here posts from 127.0.0.1; the per-day limit is the one a test fills up.
SERVED_OVERRIDES = {"CMS_COMMENT_RATE_PER_DAY": DAY_LIMIT}

SAME_WORDS = "Solidarity with Leyla!"


def _piece(journey: Journey, title: str) -> Published:
    variant = "js" if journey.js else "nojs"
    return journey.server.publish(f"{title} ({variant})", "An article readers answer.")


def _write(reader: Page, piece: Published, name: str, text: str) -> None:
    reader.goto(piece.path)
    reader.get_by_role("link", name="Write a comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Comment on “{piece.title}”")
    reader.get_by_label("Your name").fill(name)
    reader.get_by_label("Comment", exact=True).fill(text)


def _pending_ids(server: LiveServer, piece: Published) -> list[int]:
    from sqlalchemy import select

    from cms.comments.models import Comment, CommentStatus

    with server.app.app_context():
        found = list(db.session.scalars(select(Comment.id).where(
            Comment.piece_id == piece.id, Comment.status == CommentStatus.PENDING).order_by(Comment.id)))
        db.engine.dispose()
    return found


def test_two_readers_with_the_same_words_both_reach_the_queue(journey: Journey):
    piece = _piece(journey, "Leyla is free")
    for name in ("Aysel", "Farid"):
        reader = journey.person()
        _write(reader, piece, name, SAME_WORDS)
        reader.get_by_role("button", name="Send comment").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Comment received")
        sent = reader.locator("section.sent")
        expect(sent.locator(".author")).to_have_text(name)
        expect(sent.locator(".comment-text")).to_have_text(SAME_WORDS)
        journey.step(reader, f"{name} sent the words")

    assert journey.server.comments_on(piece) == [("pending", SAME_WORDS), ("pending", SAME_WORDS)]
    moderator = journey.person()
    journey.log_in(moderator, "moderator")
    moderator.goto(f"/moderation/comments?piece={piece.id}")
    rows = moderator.locator("table.moderation tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".author")).to_have_text(["Aysel", "Farid"])  # oldest first
    journey.step(moderator, "both in the queue")


def test_a_reader_refused_by_the_limit_gets_the_text_back_and_sends_it_again(journey: Journey):
    piece = _piece(journey, "A crowded room")
    server = journey.server
    with server.app.app_context():  # this address has sent its day's comments already
        key = client_key("127.0.0.1", server.app.config["SECRET_KEY"])
        for _ in range(DAY_LIMIT):
            counter().hit(key, 86400)
        db.engine.dispose()
    reader = journey.person()
    text = "We were twenty in the room.\n\nAll of us read it."
    _write(reader, piece, "Nigar", text)
    try:
        reader.get_by_role("button", name="Send comment").click()
        expect(reader.get_by_role("alert")).to_contain_text(
            "Too many comments have come from your network today.")
        expect(reader.get_by_label("Your name")).to_have_value("Nigar")
        expect(reader.get_by_label("Comment", exact=True)).to_have_value(text)
        journey.forgive(429)
        journey.step(reader, "refused with the text kept")
        assert server.comments_on(piece) == []
    finally:
        with server.app.app_context():  # the next day, as far as the limit knows
            db.session.execute(delete(RateCounter))
            db.session.commit()
            db.engine.dispose()

    reader.get_by_role("button", name="Send comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Comment received")
    journey.step(reader, "sent again")
    assert server.comments_on(piece) == [("pending", text)]


def test_a_moderator_approves_from_the_email_link(journey: Journey, mail_catcher):
    piece = _piece(journey, "Mail to moderators")
    before = len(mail_catcher.messages)
    reader = journey.person()
    _write(reader, piece, "Rashad", "Please publish the court's answer too.")
    reader.get_by_role("button", name="Send comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Comment received")

    mail = mail_catcher.wait_for(before + 1)[before]
    text = mail.get_content()
    assert piece.title in text and "Rashad" not in text, text
    (comment_id,) = _pending_ids(journey.server, piece)
    link = re.search(r"http://127\.0\.0\.1:\d+/moderation/comments/(\d+)", text)
    assert link is not None and int(link.group(1)) == comment_id, text

    moderator = journey.person()
    moderator.goto(link.group(0))  # the link alone: a login form, nothing approved
    expect(moderator).to_have_url(re.compile(r"/login\?next="))
    assert journey.server.comments_on(piece) == [("pending", "Please publish the court's answer too.")]
    journey.log_in(moderator, "moderator", here=True)
    expect(moderator).to_have_url(re.compile(rf"/moderation/comments/{comment_id}$"))
    expect(moderator.get_by_role("heading", level=1)).to_have_text(f"Comment #{comment_id}")
    journey.step(moderator, "the comment from the mail")
    moderator.get_by_role("button", name=re.compile(r"^Approve")).click()
    expect(moderator.get_by_role("status")).to_have_text("1 comment approved.")
    journey.step(moderator, "approved")
    assert journey.server.comments_on(piece) == [("approved", "Please publish the court's answer too.")]

    reader.goto(piece.path)
    expect(reader.locator(f"#comment-{comment_id}")).to_contain_text("Please publish the court's answer too.")


def test_the_queue_works_by_keyboard_with_javascript_and_by_buttons_without(journey: Journey):
    piece = _piece(journey, "Quick moderation")
    first = journey.server.comment(piece, "Aysel", "The first comment, to approve.")
    second = journey.server.comment(piece, "Bot", "Buy cheap watches, the second one.")
    moderator = journey.person()
    journey.log_in(moderator, "moderator")
    moderator.goto(f"/moderation/comments?piece={piece.id}")
    hint = moderator.locator(".shortcuts")
    if journey.js:
        expect(hint).to_be_visible()
        journey.step(moderator, "queue with shortcuts")
        moderator.keyboard.press("j")
        expect(moderator.locator(f"#comment-{first}")).to_have_class(re.compile(r"\bcurrent\b"))
        moderator.keyboard.press("a")
        expect(moderator.get_by_role("status")).to_have_text("1 comment approved.")
        moderator.wait_for_load_state("load")  # the reloaded queue's script listens for keys
        expect(hint).to_be_visible()
        moderator.keyboard.press("j")
        expect(moderator.locator(f"#comment-{second}")).to_have_class(re.compile(r"\bcurrent\b"))
        moderator.keyboard.press("s")
        expect(moderator.get_by_role("status")).to_have_text("1 comment marked as spam.")
    else:
        expect(hint).to_be_hidden()
        journey.step(moderator, "queue without script")
        moderator.get_by_role("button", name=f"Approve comment {first}").click()
        expect(moderator.get_by_role("status")).to_have_text("1 comment approved.")
        moderator.get_by_role("button", name=f"Spam comment {second}").click()
        expect(moderator.get_by_role("status")).to_have_text("1 comment marked as spam.")
    journey.step(moderator, "both moderated")
    statuses = dict(zip(["first", "second"], [s for s, _ in journey.server.comments_on(piece)], strict=True))
    assert statuses == {"first": "approved", "second": "spam"}
