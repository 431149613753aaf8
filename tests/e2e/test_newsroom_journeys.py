"""A newsroom's journeys in headless Chromium, each with JavaScript on and off: an edit to a
live piece waits for "Publish changes"; revisions are listed, compared and restored.

Every step leaves a screenshot in test-results/e2e/test_newsroom_journeys/<test>/.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Journey

pytestmark = pytest.mark.e2e


def _reader_sees(reader: Page, journey: Journey, path: str, word: str, absent: str) -> None:
    """The page, the feed and the search, as an anonymous reader gets them."""
    reader.goto(path)
    expect(reader.locator("article.piece .standfirst")).to_contain_text(word)
    feed = reader.request.get(f"{journey.server.url}/feed.atom").text()
    assert word in feed and absent not in feed
    for found, query in ((True, word), (False, absent)):
        reader.goto(f"/search?q={query}")
        hits = reader.locator("ol.results > li", has_text="Correction desk")
        expect(hits).to_have_count(1 if found else 0)


def test_an_edit_to_a_live_piece_reaches_readers_only_after_publish_changes(journey: Journey):
    old, new = ("Kestrelwatch", "Ospreyfield") if journey.js else ("Harrierbrook", "Merlinmoor")
    piece = journey.server.publish(f"Correction desk ({'js' if journey.js else 'nojs'})", "The report.",
                                   standfirst=f"First figures from {old}.")
    reader = journey.person()
    _reader_sees(reader, journey, piece.path, old, new)

    writer = journey.person()
    journey.log_in(writer, "writer")
    writer.get_by_role("link", name=piece.title).click()
    writer.get_by_label("Standfirst").fill(f"Corrected figures from {new}.")
    writer.get_by_label("Note about this change").fill("Figures corrected")
    journey.step(writer, "standfirst edited")
    writer.get_by_role("button", name="Save", exact=True).click()
    expect(writer.get_by_role("status")).to_contain_text("Saved as a draft of changes")
    expect(writer.locator(".pending-changes")).to_contain_text("Unpublished changes: revision 2")
    journey.step(writer, "saved, changes waiting")

    _reader_sees(reader, journey, piece.path, old, new)  # still the published version
    journey.step(reader, "the reader still sees the published standfirst")

    writer.get_by_role("link", name="Preview the changes").click()
    expect(writer.locator("article.piece .standfirst")).to_have_text(f"Corrected figures from {new}.")
    journey.step(writer, "preview of the changes")
    writer.get_by_role("button", name="Publish changes").click()
    expect(writer.get_by_role("status")).to_have_text("Changes published: readers now see revision 2.")
    journey.step(writer, "changes published")

    _reader_sees(reader, journey, piece.path, new, old)
    journey.step(reader, "the reader sees the new standfirst")


def test_a_writer_compares_two_revisions_and_restores_the_first(journey: Journey):
    variant = "js" if journey.js else "nojs"
    piece = journey.server.publish(f"Revised twice ({variant})", "The first body.")
    writer = journey.person()
    journey.log_in(writer, "writer")
    writer.get_by_role("link", name=piece.title).click()
    writer.get_by_label("Body", exact=True).fill("The second body, rewritten.")
    writer.get_by_role("button", name="Save", exact=True).click()
    writer.get_by_role("link", name="Revisions").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text(f"Revisions of “{piece.title}”")
    expect(writer.locator("table.revisions tbody tr")).to_have_count(2)
    journey.step(writer, "two revisions")
    writer.get_by_role("button", name="Compare the chosen revisions").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Revision 1 → revision 2")
    body = writer.get_by_role("region", name="Body")
    expect(body.locator("del")).to_have_text(["first"])
    expect(body.locator("ins")).to_have_text(["second", ", rewritten"])
    journey.step(writer, "the comparison")
    writer.get_by_role("link", name="All revisions").click()
    writer.get_by_role("button", name="Restore revision 1").click()
    expect(writer.get_by_role("status")).to_have_text("Revision 1 is now the current version (revision 3).")
    expect(writer.get_by_label("Body", exact=True)).to_have_value("The first body.")
    expect(writer).to_have_url(re.compile(rf"/desk/{piece.id}/edit$"))
    journey.step(writer, "revision 1 restored")
