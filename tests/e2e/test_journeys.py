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
    writer.get_by_label("Language").fill("az")
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
    expect(writer.locator("article.piece .attribution")).to_have_text(
        "This piece is part of the Internet rights campaign.")
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
