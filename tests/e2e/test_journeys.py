"""The site's journeys in headless Chromium, each with JavaScript on and off.

Every step leaves a screenshot in test-results/e2e/test_journeys/<test>/.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CAMPAIGN, Journey

pytestmark = pytest.mark.e2e


def test_writer_publishes_an_article_and_finds_it_on_home_and_campaign_pages(journey: Journey):
    variant = "js" if journey.js else "nojs"
    title = f"Söz azadlığı onlayn ({variant})"
    writer = journey.person()
    journey.log_in(writer, "writer")
    expect(writer.get_by_role("heading", level=1)).to_have_text("My pieces")
    journey.step(writer, "desk")

    writer.get_by_role("link", name="New article").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("New article")
    writer.get_by_label("Title").fill(title)
    writer.get_by_label("Standfirst").fill("Bloggers in Baku on what they may still write.")
    writer.get_by_label("Body", exact=True).fill(
        "Three bloggers told us what changed.\n\n# What changed\n\nThe *law* of 2024.")
    writer.get_by_label("Campaign").select_option(label=CAMPAIGN)
    writer.get_by_label("Language", exact=True).select_option("az")
    writer.get_by_label("Countries").fill("Azerbaijan")
    journey.step(writer, "new article filled in")

    writer.get_by_role("button", name="Save and preview").click()
    expect(writer).to_have_url(re.compile(r"/desk/\d+/preview$"))
    expect(writer.get_by_role("complementary", name="Preview")).to_contain_text("Status: draft")
    piece = writer.locator("article.piece")
    expect(piece).to_have_attribute("lang", "az")
    expect(piece.get_by_role("heading", level=1)).to_have_text(title)
    expect(piece.get_by_role("heading", level=2)).to_have_text("What changed")
    expect(piece.locator("em")).to_have_text("law")
    journey.step(writer, "preview")

    writer.get_by_role("button", name="Publish now").click()
    expect(writer).to_have_url(re.compile(r"/desk/\d+/edit$"))
    expect(writer.get_by_role("status")).to_have_text("Published.")
    expect(writer.get_by_role("heading", name="Status: published")).to_be_visible()
    journey.step(writer, "published")

    writer.get_by_role("navigation", name="Site").get_by_role("link", name="Home").click()
    listed = writer.locator("ol.pieces > li", has=writer.get_by_role("link", name=title))
    expect(listed).to_have_attribute("lang", "az")
    expect(listed).to_contain_text(CAMPAIGN)
    journey.step(writer, "home")

    writer.get_by_role("link", name=CAMPAIGN).click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    writer.get_by_role("link", name=title).click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(title)
    # The campaign's line, written "This piece is part of ...", in the article's own words.
    expect(writer.locator("article.piece .attribution")).to_have_text(
        "This article is part of the Internet rights campaign.")
    journey.step(writer, "campaign page, then the article")

    reader = journey.person()  # no session: the shared, cached copy of the home page
    reader.goto("/")
    expect(reader.get_by_role("link", name=title)).to_be_visible()
    reader.get_by_role("link", name=title).click()
    expect(reader).to_have_url(re.compile(r"/articles/[a-z0-9-]+$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    journey.step(reader, "a reader finds it")


TRANSCRIPT = """Bloggers in Baku describe what the new registration rules changed.

Leyla Aliyeva (LA): What changed for you this year?

Rashad Mammadov (RM): Every post now needs a registered name. Nobody wants to be the first \
to test the filters in court.

LA: And your readers?

RM: They still read; they comment less.[^1]

[^1]: Recorded in March, in Baku.
"""


def test_writer_pastes_an_interview_previews_publishes_and_finds_it(journey: Journey):
    title = f"Writing under watch ({'js' if journey.js else 'nojs'})"
    writer = journey.person()
    journey.log_in(writer, "writer")
    writer.get_by_role("link", name="New interview").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("New interview")
    writer.get_by_label("Title").fill(title)
    writer.get_by_label("Standfirst").fill("Two bloggers on registration.")
    writer.get_by_label("Transcript").fill(TRANSCRIPT)
    writer.get_by_label("Campaign").select_option(label=CAMPAIGN)
    journey.step(writer, "transcript pasted")

    writer.get_by_role("button", name="Save and preview").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(f"Who is who in “{title}”")
    expect(writer.get_by_label("Role of Leyla Aliyeva")).to_have_value("interviewer")
    expect(writer.get_by_label("Role of Rashad Mammadov")).to_have_value("interviewee")
    writer.get_by_label("Short bio of Rashad Mammadov").fill("Blogger and lawyer in Baku.")
    journey.step(writer, "participants")

    writer.get_by_role("button", name="Confirm and preview").click()
    expect(writer).to_have_url(re.compile(r"/desk/\d+/preview$"))
    expect(writer.get_by_role("complementary", name="Preview")).to_contain_text("Status: draft")
    piece = writer.locator("article.piece.interview")
    expect(piece.get_by_role("heading", level=1)).to_have_text(title)
    expect(piece.locator(".participants")).to_contain_text("Blogger and lawyer in Baku.")
    expect(piece.locator(".turn")).to_have_count(4)
    expect(piece.locator(".turn").nth(1)).to_contain_text("Rashad Mammadov")
    expect(piece.locator(".turn").nth(1)).to_contain_text("to test the filters in court")
    journey.step(writer, "preview")

    writer.get_by_role("button", name="Publish now").click()
    expect(writer).to_have_url(re.compile(r"/desk/interviews/\d+/edit$"))
    expect(writer.get_by_role("status")).to_have_text("Published.")
    journey.step(writer, "published")

    writer.get_by_role("navigation", name="Site").get_by_role("link", name="Home").click()
    listed = writer.locator("ol.pieces > li", has=writer.get_by_role("link", name=title))
    expect(listed.locator(".kind")).to_have_text("Interview")
    journey.step(writer, "home")
    writer.get_by_role("link", name=CAMPAIGN).click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    expect(writer.get_by_role("link", name=title)).to_be_visible()
    journey.step(writer, "campaign page")

    reader = journey.person()
    reader.goto("/")
    reader.get_by_role("link", name=title).click()
    expect(reader).to_have_url(re.compile(r"/interviews/[a-z0-9-]+$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    expect(reader.locator(".turn").first).to_contain_text("What changed for you this year?")
    journey.step(reader, "a reader opens it")


THANKS = "Thank you. Your comment will appear once a moderator has approved it."
SCRIPT = "<script>alert(1)</script>"
COMMENT = f"Thank you for this interview.\n\nI tried to post {SCRIPT} here, and it stays text."


def _interview(journey: Journey, title: str):
    variant = "js" if journey.js else "nojs"
    return journey.server.publish(f"{title} ({variant})", TRANSCRIPT, interview=True)


def test_reader_comments_and_sees_the_moderation_notice_and_what_they_sent(journey: Journey):
    piece = _interview(journey, "Readers write back")
    reader = journey.person()
    reader.goto(piece.path)
    comments = reader.locator("section.comments")
    expect(comments.get_by_role("heading", level=2)).to_have_text("No comments yet")
    reader.get_by_role("link", name="Write a comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Comment on “{piece.title}”")
    reader.get_by_label("Your name").fill("Aysel")
    reader.get_by_label("Comment", exact=True).fill(COMMENT)
    journey.step(reader, "comment typed")

    reader.get_by_role("button", name="Send comment").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Comment received")
    expect(reader.get_by_role("status")).to_have_text(THANKS)
    sent = reader.get_by_role("region", name="What you sent")
    expect(sent.locator(".author")).to_have_text("Aysel")
    expect(sent.locator(".comment-text p").nth(1)).to_have_text(
        f"I tried to post {SCRIPT} here, and it stays text.")
    expect(reader.get_by_role("link", name="Withdraw this comment")).to_have_attribute(
        "href", re.compile(r"^/comments/withdraw\?key=[A-Za-z0-9_-]{40,}$"))
    journey.step(reader, "moderation notice")

    reader.get_by_role("link", name=f"Back to “{piece.title}”").click()
    expect(comments.get_by_role("heading", level=2)).to_have_text("No comments yet")
    expect(reader.get_by_text("it stays text")).to_have_count(0)
    journey.step(reader, "the comment is not shown yet")

    # Waiting for a moderator, not silently in spam.
    assert journey.server.comments_on(piece) == [("pending", COMMENT)]


def test_moderator_finds_the_comment_in_the_queue_and_approves_it(journey: Journey):
    piece = _interview(journey, "Waiting for a moderator")
    comment_id = journey.server.comment(piece, "Aysel", COMMENT)
    moderator = journey.person()
    moderator.goto("/moderation/comments")  # not logged in: sent to the login form, then back
    expect(moderator).to_have_url(re.compile(r"/login\?next="))
    journey.log_in(moderator, "moderator", here=True)

    expect(moderator).to_have_url(re.compile(r"/moderation/comments$"))
    expect(moderator.get_by_role("link", name=re.compile(r"^Pending \(\d+\)$"))).to_have_attribute(
        "aria-current", "page")
    row = moderator.locator(f"tr#comment-{comment_id}")
    expect(row.get_by_role("link", name=piece.title)).to_be_visible()
    expect(row.locator(".comment-text p")).to_have_count(2)
    expect(row.locator(".comment-text p").nth(1)).to_have_text(
        f"I tried to post {SCRIPT} here, and it stays text.")
    journey.step(moderator, "the comment in the queue")

    row.get_by_role("button", name=f"Approve comment {comment_id}").click()
    expect(moderator.get_by_role("status")).to_have_text("1 comment approved.")
    expect(moderator.locator(f"tr#comment-{comment_id}")).to_have_count(0)
    journey.step(moderator, "approved")
    assert journey.server.comments_on(piece) == [("approved", COMMENT)]


def test_reader_reloads_and_sees_two_paragraphs_with_the_literal_script(journey: Journey):
    piece = _interview(journey, "Comments as text")
    comment_id = journey.server.comment(piece, "Aysel", COMMENT)
    reader = journey.person()
    reader.goto(piece.path)
    expect(reader.locator(f"#comment-{comment_id}")).to_have_count(0)
    journey.step(reader, "before approval")

    journey.server.approve(comment_id)  # what the moderator did in the test above
    reader.reload()
    comment = reader.locator(f"#comment-{comment_id}")
    expect(reader.locator("#comments-heading")).to_have_text("1 comment")
    expect(comment.locator(".author")).to_have_text("Aysel")
    paragraphs = comment.locator(".comment-text p")
    expect(paragraphs).to_have_count(2)
    expect(paragraphs.nth(0)).to_have_text("Thank you for this interview.")
    expect(paragraphs.nth(1)).to_have_text(f"I tried to post {SCRIPT} here, and it stays text.")
    expect(comment.locator("script")).to_have_count(0)
    journey.step(reader, "the approved comment, as text")  # fails if alert(1) opened a dialog


def test_the_dialog_check_works_and_javascript_is_really_off(journey: Journey):
    """With JavaScript on, an alert fails the journey; with it off, no script runs at all."""
    page = journey.person()
    page.set_content("<title>Not our site</title><p>Outside the CSP</p><script>alert(1)</script>")
    expect(page.locator("p")).to_have_text("Outside the CSP")
    if journey.js:
        with pytest.raises(AssertionError, match="opened a dialog"):
            journey.check()
        journey.dialogs.clear()
    else:
        journey.check()


def test_visitor_searches_a_phrase_and_finds_the_interview_with_the_speaker(journey: Journey):
    town = "Ganja" if journey.js else "Lankaran"  # a phrase that only this run's interview holds
    transcript = (f"A conversation about courts.\n\nLeyla Aliyeva (LA): Who goes to court?\n\n"
                  f"Rashad Mammadov (RM): Bloggers in {town} took the speech filters to court, "
                  f"and lost.\n\nLA: Thank you.\n")
    piece = journey.server.publish(f"Filters on trial in {town}", transcript, interview=True)
    visitor = journey.person()
    visitor.goto("/")
    visitor.get_by_role("navigation", name="Site").get_by_role("link", name="Search").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Search")
    phrase = f'"{town} took the speech filters"'
    visitor.get_by_label("Search the archive").fill(phrase)
    journey.step(visitor, "phrase typed")

    visitor.get_by_role("button", name="Search", exact=True).click()
    expect(visitor.locator(".search-count")).to_have_text(f"1 result for “{phrase}”")
    hit = visitor.locator("ol.results > li").first
    expect(hit.get_by_role("heading").get_by_role("link")).to_have_text(piece.title)
    expect(hit.locator(".kind")).to_have_text("Interview")
    expect(hit.locator(".snippet .speaker")).to_have_text("Rashad Mammadov:")
    expect(hit.locator(".snippet mark")).to_have_text([f"{town} took the speech filters"])  # the phrase
    journey.step(visitor, "found, with the speaker")

    hit.locator(".snippet a").click()  # the snippet links to its turn
    expect(visitor).to_have_url(re.compile(r"/interviews/[a-z0-9-]+#turn-2$"))
    expect(visitor.locator("#turn-2")).to_contain_text(f"Bloggers in {town}")
    expect(visitor.locator("#turn-2")).to_contain_text("Rashad Mammadov")
    journey.step(visitor, "the interview, at the turn")
