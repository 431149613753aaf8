"""Bylines: credited people independent of accounts, on the page, in the feed, on their own
page; the CLI's --byline; the desk's field; contributors' details."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from cms.articles import credits, services
from cms.articles.models import Contributor, CreditRole, Piece
from cms.extensions import db
from cms.interviews.models import Interview
from tests.interviews.conftest import TRANSCRIPT

ATOM = "{http://www.w3.org/2005/Atom}"


def test_import_with_bylines_names_them_on_the_page_the_feed_and_their_page(
        runner, client, tmp_path, make_user):
    make_user("admin", email="first-admin@example.org", name="First Admin")
    path = tmp_path / "t.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    result = runner.invoke(args=["interviews", "import", str(path), "--title", "Blocked in March",
                                 "--byline", "Zooey Schock", "--byline", "Anna Petrova (translator)",
                                 "--publish"])
    assert result.exit_code == 0, result.output
    page = client.get("/interviews/blocked-in-march").get_data(as_text=True)
    assert ('<span class="byline">By <a href="/contributors/zooey-schock">Zooey Schock</a></span> · '
            '<span class="byline">Translated by <a href="/contributors/anna-petrova">Anna Petrova</a>'
            '</span>') in page
    assert "First Admin" not in page  # the account that saved is for the audit, not for readers
    entry = ElementTree.fromstring(client.get("/feed.atom").data).find(f"{ATOM}entry")
    assert [a.find(f"{ATOM}name").text for a in entry.findall(f"{ATOM}author")] == ["Zooey Schock"]
    assert [c.find(f"{ATOM}name").text for c in entry.findall(f"{ATOM}contributor")] == ["Anna Petrova"]
    person = client.get("/contributors/zooey-schock").get_data(as_text=True)
    assert "<h1>Zooey Schock</h1>" in person
    assert '<a href="/interviews/blocked-in-march">Blocked in March</a>' in person


def test_bylines_are_parsed_line_by_line_with_roles():
    assert credits.parse_bylines("Zooey Schock\n\n  Anna   Petrova (Translator) \nStaff\nStaff\n"
                                 "Rafael Ruiz (photographer)\nAnn (not a role)") == [
        ("Zooey Schock", CreditRole.AUTHOR), ("Anna Petrova", CreditRole.TRANSLATOR),
        ("Staff", CreditRole.AUTHOR), ("Rafael Ruiz", CreditRole.PHOTOGRAPHER),
        ("Ann (not a role)", CreditRole.AUTHOR)]
    assert credits.format_bylines(credits.parse_bylines("A\nB (interviewer)")) == "A\nB (interviewer)"


def test_the_desk_credits_anyone_and_defaults_to_the_writer(app, client, auth, make_user):
    writer = make_user("writer", name="Wren Writer")
    auth.login(writer)
    form = {"language": "en", "body_source": "x", "action": "save"}
    client.post("/desk/new", data={**form, "title": "Default"})
    client.post("/desk/new", data={**form, "title": "Guest", "bylines": "Guest Author\nStaff (photographer)"})
    with app.app_context():
        default, guest = db.session.scalars(select(Piece).order_by(Piece.id)).all()
        assert [(c.contributor.name, c.role) for c in default.credits] == [("Wren Writer", CreditRole.AUTHOR)]
        assert [(c.contributor.name, c.role) for c in guest.credits] == [
            ("Guest Author", CreditRole.AUTHOR), ("Staff", CreditRole.PHOTOGRAPHER)]
        services.publish(guest, guest.author)
        guest_id = guest.id
    form = client.get(f"/desk/{guest_id}/edit").get_data(as_text=True)
    assert "Guest Author\nStaff (photographer)</textarea>" in form
    page = client.get("/articles/guest").get_data(as_text=True)
    assert ('By <a href="/contributors/guest-author">Guest Author</a></span> · <span class="byline">'
            'Photographs by <a href="/contributors/staff">Staff</a>') in page
    refused = client.post(f"/desk/{guest_id}/edit", data={
        "title": "Guest", "language": "en", "body_source": "x", "action": "save", "base_revision": "1",
        "bylines": "\n".join(f"Person {n}" for n in range(21))})
    assert "Credit at most 20 people on one piece." in refused.get_data(as_text=True)


def test_a_byline_change_to_a_live_piece_waits_like_any_change(app, make_piece, make_user):
    writer = make_user("writer", name="Wren Writer")
    piece = make_piece("Live", author=writer)
    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        services.update_piece(stored, stored.author, services.PieceData(title="Live", bylines="Zooey Schock"))
        assert stored.byline_names() == ["Wren Writer"]
        services.publish_changes(stored, stored.author)
        assert stored.byline_names() == ["Zooey Schock"]


def test_a_contributor_only_unpublished_pieces_credit_has_no_page(client, make_piece):
    make_piece("Secret", status="draft", bylines="Hidden Source")
    assert client.get("/contributors/hidden-source").status_code == 404
    assert client.get("/contributors/nobody-at-all").status_code == 404


def test_editors_set_a_contributors_bio_and_link_shown_on_their_page(app, client, auth, make_user,
                                                                     make_piece):
    make_piece("Talk", kind=Interview, body_source=TRANSCRIPT, bylines="Zooey Schock (interviewer)")
    writer = make_user("writer")
    auth.login(writer)
    assert client.get("/desk/contributors/").status_code == 403
    auth.logout()
    auth.login(make_user("editor"))
    listing = client.get("/desk/contributors/").get_data(as_text=True)
    found = re.search(r'href="/desk/contributors/(\d+)/edit">Zooey Schock</a>', listing)
    assert found, listing
    edit = f"/desk/contributors/{found.group(1)}/edit"
    bad = client.post(edit, data={"name": "Zooey Schock", "bio": "Journalist.",
                                  "link": "javascript:alert(1)"})
    assert bad.status_code == 200 and "Journalist." in bad.get_data(as_text=True)
    split = client.post(edit, data={"name": "Zooey Schock", "link": "https://example.org/\nSet-Cookie: x"})
    assert "Give the link as an address starting with https:// or http://." in split.get_data(as_text=True)
    assert client.post(edit, data={"name": "Zooey Schock", "link": "HTTPS://EXAMPLE.ORG"}).status_code == 302
    client.post(edit, data={"name": "Zooey Schock", "bio": "Journalist in Berlin.",
                            "link": "https://zooey.example.org/"})
    page = client.get("/contributors/zooey-schock").get_data(as_text=True)
    assert '<p class="bio">Journalist in Berlin.</p>' in page
    assert '<a href="https://zooey.example.org/" rel="noopener noreferrer">' in page
    talk = client.get("/interviews/talk").get_data(as_text=True)
    assert 'Interview by <a href="/contributors/zooey-schock">Zooey Schock</a>' in talk
    with app.app_context():
        assert db.session.scalar(select(Contributor.bio).where(Contributor.slug == "zooey-schock")) == (
            "Journalist in Berlin.")


@pytest.mark.parametrize("name", ["", "   "])
def test_a_contributor_needs_a_name(app, make_piece, make_user, name):
    make_piece("Named", bylines="Someone")
    editor = make_user("editor")
    with app.app_context():
        person = db.session.scalar(select(Contributor).where(Contributor.slug == "someone"))
        with pytest.raises(credits.RuleError, match="A name is required"):
            credits.update_contributor(db.session.get(type(editor), editor.id), person,
                                       credits.ContributorData(name=name))


def test_people_are_told_apart_by_their_exact_name_and_a_rename_follows_the_revisions(
        app, client, make_piece, make_user):
    make_piece("First", bylines="Zooey Schock")
    make_piece("Second", bylines="Zooey Schöck\nAli Hasanov")
    with app.app_context():
        names = sorted(db.session.scalars(select(Contributor.name)))
        assert names == ["Ali Hasanov", "Zooey Schock", "Zooey Schöck"]
        editor = make_user("editor")
        person = db.session.scalar(select(Contributor).where(Contributor.name == "Ali Hasanov"))
        credits.update_contributor(db.session.get(type(editor), editor.id), person,
                                   credits.ContributorData(name="Əli Həsənov"))
        second = db.session.scalar(select(Piece).where(Piece.title == "Second"))
        services.update_piece(second, second.author, services.PieceData(
            title="Second", bylines=services.head_revision(second).credits))
        services.publish_changes(second, second.author)
        assert second.byline_names() == ["Zooey Schöck", "Əli Həsənov"]
        assert db.session.scalar(select(Contributor).where(Contributor.name == "Ali Hasanov")) is None


def test_a_role_without_a_name_is_refused():
    with pytest.raises(credits.RuleError, match="names a role but nobody"):
        credits.parse_bylines("Zooey Schock\n(translator)")
