"""axe-core on the site's pages: no serious or critical violation, nor any on the named rules.

Also by keyboard: the first Tab reaches a visible skip link, and focus is always visible.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import WIDTHS, Axe, LiveServer, Published, assert_no_sideways_scroll, log_in

pytestmark = pytest.mark.e2e

BODY = """Opening paragraph with a [link](https://example.org/report) and a claim.[^1]

# A section

| Year | Cases |
|------|-------|
| 2023 | 12    |

> A quotation from a defender.

[^1]: The source of the claim.
"""


TRANSCRIPT = """An introduction to the conversation.

Anna Ivanova (AI): How did the blocking start?

Олег Петров (ОП): With one news site, then the VPN providers.[^1]

AI: And now?

[^1]: Reported by the press council.
"""


@pytest.fixture(scope="module")
def article(live_server: LiveServer) -> str:
    """The path of a published article in Russian, in the campaign."""
    return live_server.publish("Свобода слова в сети", BODY, standfirst="Короткое вступление.",
                               language="ru", topics=["Privacy"]).path


@pytest.fixture(scope="module")
def interview(live_server: LiveServer) -> Published:
    """A published interview with an approved comment and one waiting for a moderator."""
    piece = live_server.publish("How the blocking started", TRANSCRIPT, interview=True,
                                standfirst="Two voices on censorship.")
    live_server.approve(live_server.comment(piece, "Aysel", "Thank you.\n\nA second paragraph."))
    live_server.comment(piece, "Farid", "Waiting for a moderator: <b>bold?</b>")
    return piece


def test_home_page_is_accessible(axe: Axe, article: str):
    page = axe.page()
    page.goto("/")
    expect(page.locator("ol.pieces li[lang=ru]")).to_have_count(1)
    axe.assert_clean(page, "home")


def test_article_page_is_accessible(axe: Axe, article: str):
    page = axe.page()
    page.goto(article)
    expect(page.locator("article.piece")).to_have_attribute("lang", "ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")  # its interface speaks Russian too
    axe.assert_clean(page, "article")


def test_interview_page_is_accessible(axe: Axe, interview: str):
    page = axe.page()
    page.goto(interview.path)
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    axe.assert_clean(page, "interview")


def test_comment_form_is_accessible(axe: Axe, interview: Published):
    page = axe.page()
    page.goto(interview.path)
    page.get_by_role("link", name="Write a comment").click()
    form = page.locator("form.comment-form")
    expect(form.get_by_label("Your name")).to_be_visible()
    axe.assert_clean(page, "comment form")
    form.get_by_label("Your name").fill("Aysel")
    form.get_by_label("Comment", exact=True).fill("   ")  # blank: the server sends the form back
    form.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("The comment is empty.")).to_be_visible()
    axe.assert_clean(page, "comment form with an error")
    page.goto(interview.path)
    page.get_by_role("link", name="Reply to Aysel").click()
    axe.assert_clean(page, "reply form")


def test_moderation_queue_is_accessible(axe: Axe, live_server: LiveServer, interview: Published):
    page = axe.page()
    page.goto("/moderation/comments")
    log_in(page, live_server, "moderator", here=True)
    expect(page.locator("table.moderation tbody tr")).not_to_have_count(0)
    axe.assert_clean(page, "moderation queue")
    page.get_by_role("link", name=re.compile(r"^History of #")).first.click()
    axe.assert_clean(page, "comment history")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Moderation").click()
    page.get_by_role("link", name=re.compile(r"^Approved \(")).click()
    axe.assert_clean(page, "approved comments")


def test_search_page_is_accessible(axe: Axe, article: str, interview: Published):
    page = axe.page()
    page.goto("/search")
    axe.assert_clean(page, "search")
    page.get_by_label("Search the archive").fill("blocking")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("ol.results > li")).to_have_count(1)
    axe.assert_clean(page, "search results")
    page.set_viewport_size(WIDTHS["phone"])  # the facets come first, folded, on a phone
    facets = page.locator("details.facets")
    expect(facets.get_by_role("link", name="Interviews")).to_be_hidden()
    assert page.evaluate("() => document.querySelector('details.facets').compareDocumentPosition("
                         "document.querySelector('ol.results')) & Node.DOCUMENT_POSITION_FOLLOWING")
    facets.locator("summary").click()
    expect(facets.get_by_role("link", name="Interviews")).to_be_visible()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, "search results, facets open, phone")
    facets.get_by_role("link", name="Interviews").click()
    remove = page.get_by_role("link", name="Remove the filter Kind: Interviews")
    expect(remove).to_have_text("Remove the filter Kind: Interviews")
    axe.assert_clean(page, "search results, filtered")
    remove.click()
    expect(page.get_by_role("link", name="Remove the filter Kind: Interviews")).to_have_count(0)
    page.set_viewport_size(WIDTHS["wide"])  # on a wide screen they are open without a click
    expect(page.locator("details.facets").get_by_role("link", name="Interviews")).to_be_visible()
    page.goto("/search?q=nothing+matches+this+zzqx")
    expect(page.get_by_role("status")).to_contain_text("No results")
    axe.assert_clean(page, "search without results")


def test_archive_tag_interviews_and_error_pages_are_accessible(axe: Axe, article: str, interview: Published):
    page = axe.page()
    page.goto("/archive")
    axe.assert_clean(page, "archive")
    page.locator("main ul a").first.click()
    expect(page.locator("ol.pieces li[lang=ru]")).to_have_count(1)
    axe.assert_clean(page, "archive month")
    page.goto(article)
    page.get_by_role("link", name="Privacy").click()
    axe.assert_clean(page, "tag")
    page.goto("/interviews")
    axe.assert_clean(page, "interviews")
    assert page.goto("/articles/no-such-piece").status == 404
    axe.assert_clean(page, "not found")


def test_campaign_page_is_accessible(axe: Axe, article: str, live_server: LiveServer):
    page = axe.page()
    page.goto(f"/campaigns/{live_server.campaign.slug}")
    axe.assert_clean(page, "campaign")


def test_login_page_is_accessible(axe: Axe):
    page = axe.page()
    page.goto("/login")
    axe.assert_clean(page, "login")
    page.get_by_role("button", name="Log in").click()  # empty: the errors must be accessible too
    expect(page.locator(".field.has-error")).to_have_count(2)
    axe.assert_clean(page, "login with errors")


def test_desk_editor_is_accessible(axe: Axe, live_server: LiveServer, article: str):
    page = axe.page()
    log_in(page, live_server, "writer")
    axe.assert_clean(page, "desk")
    page.set_viewport_size(WIDTHS["phone"])  # the list of pieces: each row a card
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, "desk phone")
    page.set_viewport_size(WIDTHS["wide"])
    page.goto("/desk/new")
    axe.assert_clean(page, "new article")
    page.get_by_role("button", name="Save", exact=True).click()  # no title: errors
    expect(page.get_by_role("alert")).to_be_visible()
    axe.assert_clean(page, "new article with errors")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Desk").click()
    page.get_by_role("link", name="Свобода слова в сети").click()
    axe.assert_clean(page, "edit article")


def test_interview_desk_is_accessible(axe: Axe, live_server: LiveServer, interview: Published):
    page = axe.page()
    log_in(page, live_server, "writer")
    page.get_by_role("link", name="New interview").click()
    axe.assert_clean(page, "new interview")
    page.get_by_role("button", name="Save", exact=True).click()  # no title, no transcript
    expect(page.get_by_role("alert")).to_be_visible()
    axe.assert_clean(page, "new interview with errors")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Desk").click()
    page.get_by_role("link", name="How the blocking started").click()
    axe.assert_clean(page, "edit interview")
    page.get_by_role("link", name="Confirm roles and bios").click()
    axe.assert_clean(page, "participants")


def _outline(page: Page) -> str:
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle === 'none' ? 'none' : s.outlineWidth + ' ' + s.outlineStyle;
    }""")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_keyboard_reaches_skip_link_and_focus_is_visible(browser, live_server: LiveServer, js: bool):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=js)
    try:
        page = context.new_page()
        page.goto("/login")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, box  # on screen once focused
        assert _outline(page) == "3px solid"
        page.keyboard.press("Enter")
        expect(page).to_have_url(live_server.url + "/login#main")
        expect(page.locator("main")).to_be_focused()
        page.get_by_label("Email").focus()
        assert _outline(page) == "3px solid"
        page.keyboard.press("Tab")
        expect(page.get_by_label("Password")).to_be_focused()
        assert _outline(page) == "3px solid"
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Log in")).to_be_focused()
        assert _outline(page) == "3px solid"
    finally:
        context.close()


def test_the_axe_check_catches_a_broken_page(axe: Axe):
    """The assertion above can fail: a page without lang, with a skipped level and a bare field."""
    page = axe.page()
    page.set_content("<title>Broken</title><main><h1>Title</h1><h3>Skipped a level</h3>"
                     "<form><input type=text name=q></form></main>")
    found = {violation["id"] for violation in axe.violations(page)}
    assert {"html-has-lang", "heading-order", "label"} <= found, found


# --- The comment pages of issue 15, at 1280 px and at 375 px ------------------------------------

@pytest.mark.parametrize("width", list(WIDTHS))
def test_thank_you_and_withdraw_pages_are_accessible(axe: Axe, interview: Published, width: str):
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    page.goto(interview.path)
    page.get_by_role("link", name="Write a comment").click()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"comment form {width}")
    page.get_by_label("Your name").fill("Leyla")
    # Each width its own words: the same reader sending the same text twice is refused.
    page.get_by_label("Comment", exact=True).fill(f"Solidarity from Ganja ({width}).")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment received")
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"thank-you page {width}")
    page.get_by_role("link", name="Withdraw this comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your comment")
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"withdraw page {width}")
    page.get_by_role("button", name="Withdraw my comment").click()
    expect(page.get_by_text("Your comment has been withdrawn.")).to_be_visible()
    axe.assert_clean(page, f"withdrawn page {width}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_moderation_pages_are_accessible_at_every_width(axe: Axe, live_server: LiveServer,
                                                        interview: Published, width: str):
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    page.goto("/moderation/comments")
    log_in(page, live_server, "admin", here=True)
    expect(page.locator("table.moderation tbody tr")).not_to_have_count(0)
    expect(page.locator(".shortcuts")).to_be_visible()  # this context runs scripts
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"queue {width}")
    page.get_by_role("link", name=re.compile(r"^History of #")).first.click()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"comment page with the edit form {width}")
    page.goto("/moderation/blocked-words")
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"blocked words {width}")


def test_trash_page_is_accessible(axe: Axe, live_server: LiveServer):
    trashed = live_server.publish("Deleted by mistake", "A piece that went to the trash.")
    page = axe.page()
    log_in(page, live_server, "editor")
    page.goto(f"/desk/{trashed.id}/delete")
    page.get_by_role("button", name="Move to the trash").click()
    page.goto("/desk/trash")
    expect(page.get_by_role("button", name="Restore “Deleted by mistake”")).to_be_visible()
    axe.assert_clean(page, "trash")
    page.set_viewport_size(WIDTHS["phone"])  # each row a card
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, "trash phone")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_revision_pages_and_an_edit_conflict_are_accessible(axe: Axe, live_server: LiveServer, width: str):
    piece = live_server.publish(f"Revisedwithoutanyspacesinthetitleatall {width}", "One.\n\nTwo.")
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    log_in(page, live_server, "editor")
    page.goto(f"/desk/{piece.id}/edit")
    stale = page.context.new_page()  # the same person, in a second tab opened before the save
    stale.goto(f"/desk/{piece.id}/edit")
    page.get_by_label("Body", exact=True).fill("One.\n\nTwo, changed.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"editor with changes waiting {width}")
    stale.get_by_label("Body", exact=True).fill("One, from the other tab.\n\nTwo.")
    stale.get_by_role("button", name="Save", exact=True).click()
    expect(stale.get_by_role("heading", level=2, name=re.compile("^Not saved"))).to_be_visible()
    assert_no_sideways_scroll(stale)
    axe.assert_clean(stale, f"edit conflict {width}")
    page.get_by_role("link", name="Revisions").click()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"revisions {width}")
    page.get_by_role("button", name="Compare the chosen revisions").click()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"comparison {width}")
    page.goto(f"/desk/{piece.id}/unpublish")
    axe.assert_clean(page, f"unpublish confirmation {width}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_contributor_pages_are_accessible(axe: Axe, live_server: LiveServer, width: str):
    piece = live_server.publish(f"Credited piece {width}", "Text.",
                                bylines=f"Zooeyschockwithaverylongname{width}\nAnna Petrova (translator)")
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    page.goto(piece.path)
    page.get_by_role("link", name=f"Zooeyschockwithaverylongname{width}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Zooeyschockwithaverylongname{width}")
    expect(page.get_by_role("link", name=piece.title)).to_be_visible()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"contributor page {width}")
    log_in(page, live_server, "editor")
    page.goto("/desk/contributors/")
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"desk contributors {width}")
    page.get_by_role("link", name="Anna Petrova").click()
    page.get_by_label("Link").fill("not an address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error").first).to_be_visible()
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"contributor form with an error {width}")
