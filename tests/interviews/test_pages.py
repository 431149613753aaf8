"""Public interview pages, the desk journey and the preview, through the test client."""

from __future__ import annotations

import re

import pytest

from cms.articles.models import Piece
from cms.extensions import db
from tests.interviews.conftest import TRANSCRIPT


def test_page_names_speakers_in_full_first_then_by_initials(client, make_interview):
    make_interview("Blocked in March", language="ru")
    page = client.get("/interviews/blocked-in-march").get_data(as_text=True)
    assert '<article class="piece interview" lang="ru">' in page
    speakers = re.findall(r'id="turn-(\d+)">\n<p class="speaker">(.*?)</p>', page)
    assert speakers == [
        ("1", "<strong>Dr. Jane Roe</strong>:"),
        ("2", "<strong>Иван Петров</strong>:"),
        ("3", '<strong><abbr title="Dr. Jane Roe">JR</abbr></strong>:'),
        ("4", "<strong>Mx. A. B. Okafor</strong>:"),
        ("5", '<strong><abbr title="Иван Петров">ИП</abbr></strong>:'),
    ]


def test_interviewer_turns_are_set_apart_and_footnotes_come_last(client, make_interview):
    make_interview("Set apart")
    page = client.get("/interviews/set-apart").get_data(as_text=True)
    assert ('<div class="turn interviewer" id="turn-3">\n<p class="speaker">'
            '<strong><abbr title="Dr. Jane Roe">JR</abbr></strong>:</p>\n'
            "<p><strong>And what did you do?</strong></p>") in page
    assert ('<div class="turn interviewee" id="turn-4">\n<p class="speaker">'
            "<strong>Mx. A. B. Okafor</strong>:</p>\n<p>We published mirrors and a feed.</p>") in page
    intro = page.index("We met the two defenders")
    participants = page.index('<h2 id="participants-heading">In this interview</h2>')
    assert intro < participants < page.index('id="turn-1"') < page.index('id="turn-5"')
    notes = page.index('<section class="notes" aria-label="Notes">')
    assert notes > page.index('id="turn-5"')
    assert '<a class="footnote-ref" href="#fn:block">1</a>' in page
    assert '<li id="fn:1">\n<p>The provider called it "maintenance" for nine days.' in page


@pytest.mark.parametrize("publish", [False])
def test_drafts_are_404_and_absent_from_the_listing(client, make_interview, publish):
    make_interview("Not yet", publish=publish)
    assert client.get("/interviews/not-yet").status_code == 404
    assert "Not yet" not in client.get("/interviews").get_data(as_text=True)


def test_listing_shows_interviews_newest_first_and_not_articles(client, make_interview, make_piece):
    make_interview("Older talk")
    make_interview("Newer talk")
    make_piece("An article")
    page = client.get("/interviews").get_data(as_text=True)
    assert "<h1>Interviews</h1>" in page
    assert page.index('<a href="/interviews/newer-talk">') < page.index('<a href="/interviews/older-talk">')
    assert "An article" not in page
    assert '<a href="/interviews">Interviews</a>' in page  # the site navigation


@pytest.mark.config(CMS_PAGE_SIZE=1)
def test_listing_is_paginated(client, make_interview):
    make_interview("First talk")
    make_interview("Second talk")
    second = client.get("/interviews?page=2").get_data(as_text=True)
    assert "First talk" in second and "Second talk" not in second
    assert '<a rel="prev" href="/interviews?page=1">Newer</a>' in second


def test_desk_journey_new_confirm_preview_publish_edit(client, auth, make_user, make_campaign, app):
    writer = make_user("writer")
    campaign = make_campaign("Rights")
    auth.login(writer)
    desk = client.get("/desk/").get_data(as_text=True)
    assert '<a class="button" href="/desk/interviews/new">New interview</a>' in desk
    form = client.get("/desk/interviews/new").get_data(as_text=True)
    assert '<label for="body_source">Transcript</label>' in form
    response = client.post("/desk/interviews/new", data={
        "title": "Desk talk", "body_source": TRANSCRIPT, "language": "en",
        "campaign_id": str(campaign.id), "topics": "Censorship", "action": "save"})
    with app.app_context():
        piece = db.session.scalar(db.select(Piece).where(Piece.slug == "desk-talk"))
        piece_id = piece.id
    assert response.headers["Location"] == f"/desk/interviews/{piece_id}/participants"
    step = client.get(f"/desk/interviews/{piece_id}/participants").get_data(as_text=True)
    assert '<label for="role_2">Role of Mx. A. B. Okafor</label>' in step
    response = client.post(f"/desk/interviews/{piece_id}/participants", data={
        "role_0": "interviewer", "bio_0": "", "role_1": "interviewee",
        "bio_1": "Правозащитник из Казани.", "role_2": "interviewee", "bio_2": "",
        "action": "preview"})
    assert response.headers["Location"] == f"/desk/{piece_id}/preview"
    preview = client.get(f"/desk/{piece_id}/preview").get_data(as_text=True)
    assert '<dd class="bio">Правозащитник из Казани.</dd>' in preview
    assert "<strong>Preview</strong>" in preview
    # desk.edit and the desk index lead to the interview editor, which shows the transcript back.
    assert client.get(f"/desk/{piece_id}/edit").headers["Location"] == f"/desk/interviews/{piece_id}/edit"
    assert f'<a href="/desk/interviews/{piece_id}/edit">Desk talk</a>' in client.get("/desk/").get_data(
        as_text=True)
    editor = client.get(f"/desk/interviews/{piece_id}/edit").get_data(as_text=True)
    assert "Dr. Jane Roe (JR): When did you first notice" in editor
    assert "Иван Петров (ИП): В марте." in editor
    client.post(f"/desk/{piece_id}/publish", data={})
    public = client.get("/interviews/desk-talk").get_data(as_text=True)
    # The preview showed exactly what readers now see.
    body = re.compile(r'<div class="body">.*?</div>\s*<footer>', re.S)
    assert body.search(public).group(0) == body.search(preview).group(0)


def test_a_transcript_error_comes_back_with_the_line_and_what_was_typed(client, auth, make_user, app):
    auth.login(make_user("writer"))
    typed = "Intro.\n\nJane Roe (JR): Hello.\n\nXY: Who am I?"
    response = client.post("/desk/interviews/new", data={
        "title": "Broken talk", "body_source": typed, "language": "en", "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ('<p class="error" id="body_source-error">Line 5: the initials XY are used before a '
            "speaker declares them") in page
    assert "XY: Who am I?</textarea>" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Piece)) == 0


def test_another_writer_gets_403_on_the_interview_editor(client, auth, make_user, make_interview):
    piece = make_interview("Private talk", publish=False)
    auth.login(make_user("writer"))
    assert client.get(f"/desk/interviews/{piece.id}/edit").status_code == 403
    assert client.post(f"/desk/interviews/{piece.id}/participants", data={}).status_code == 403


def test_each_editor_opens_only_its_own_kind(client, auth, make_user, make_piece):
    """The interview editor does not open an article (404); the article editor sends an
    interview to its own editor (tested above), and a missing piece is 404 in both."""
    writer = make_user("writer")
    article = make_piece("An article", author=writer)
    auth.login(writer)
    assert client.get(f"/desk/interviews/{article.id}/edit").status_code == 404
    assert client.get(f"/desk/interviews/{article.id}/participants").status_code == 404
    assert client.get(f"/desk/{article.id}/edit").status_code == 200
    assert client.get("/desk/interviews/424242/edit").status_code == 404
    assert client.get("/desk/424242/edit").status_code == 404


def test_huge_numbers_are_not_a_server_error(client):
    assert client.get("/interviews?page=99999999999999999999999").status_code == 200
    # An id beyond any id column matches no route: 404, for everyone.
    assert client.get("/desk/99999999999999999999999/edit").status_code == 404


@pytest.mark.parametrize("credits", [
    "Image credit: Mark Sokolov, CC BY-SA 4.0", "This interview is part of the Internet rights campaign.",
    "© 2026 The Newsroom. All rights reserved."])
def test_a_last_turn_that_reads_like_page_credits_is_warned_about_before_saving(
        client, auth, make_user, app, credits):
    auth.login(make_user("writer"))
    transcript = f"Intro.\n\nAnn Ask (AA): Question?\n\nBo Be (BB): Answer.\n\n{credits}"
    form = {"title": "Pasted with its footer", "language": "en", "body_source": transcript, "action": "save"}
    warned = client.post("/desk/interviews/new", data=form).get_data(as_text=True)
    assert "The last turn reads like the page&#39;s credits" in warned
    assert "Keep the last turn as it is" in warned and credits.split(":")[0][:12] in warned
    with app.app_context():
        assert db.session.scalar(db.select(Piece)) is None  # nothing saved yet
    saved = client.post("/desk/interviews/new", data={**form, "keep_last_turn": "y"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Piece)).title == "Pasted with its footer"


def test_an_ordinary_last_turn_is_saved_without_a_warning(client, auth, make_user):
    auth.login(make_user("writer"))
    saved = client.post("/desk/interviews/new", data={
        "title": "Plain", "language": "en", "action": "save",
        "body_source": "Intro.\n\nAnn Ask (AA): Question?\n\nBo Be (BB): The credit goes to our readers."})
    assert saved.status_code == 302
