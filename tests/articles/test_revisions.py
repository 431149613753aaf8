"""Revisions: every save kept; a published piece keeps what readers see until "Publish
changes"; any two compared; an old one restored; a save over a newer one refused."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from cms.articles import revisions, services
from cms.articles.models import Image, Piece, Revision
from cms.audit import AuditAction, AuditEvent
from cms.extensions import db
from cms.interviews.models import Interview

FORM = {"title": "Rights online", "standfirst": "The old standfirst.",
        "body_source": "First line.\n\nSecond line.", "language": "en", "topics": "Privacy",
        "countries": "", "campaign_id": "", "comments_open": "y", "action": "save"}
TRANSCRIPT = "An introduction.\n\nAnn Ask (AA): What happened?\n\nBo Be (BB): They blocked the site."


def edit(client, piece_id: int, **overrides):
    form = client.get(f"/desk/{piece_id}/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', form).group(1)
    return client.post(f"/desk/{piece_id}/edit", data={**FORM, "base_revision": base, **overrides},
                       follow_redirects=True)


def live(make_piece, make_user, **fields):
    writer = make_user("writer")
    piece = make_piece("Rights online", author=writer, standfirst="The old standfirst.",
                       body_source="First line.\n\nSecond line.", topics=["Privacy"], **fields)
    return writer, piece


def test_an_edit_to_a_published_piece_waits_for_publish_changes(client, auth, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    auth.login(writer)
    saved = edit(client, piece.id, standfirst="A corrected standfirst.", note="Correction")
    saved = saved.get_data(as_text=True)
    assert "Saved as a draft of changes" in saved
    assert "Unpublished changes</strong>: revision 2" in saved and "Readers still see revision 1." in saved
    assert "A corrected standfirst." in saved  # the editor shows the draft
    assert ">Publish changes</button>" in saved
    auth.logout()
    for path in ("/articles/rights-online", "/feed.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "The old standfirst." in body and "A corrected standfirst." not in body
    auth.login(writer)
    desk = client.get("/desk/").get_data(as_text=True)
    assert "<strong>unpublished changes</strong>" in desk
    preview = client.get(f"/desk/{piece.id}/preview").get_data(as_text=True)
    assert "A corrected standfirst." in preview and "The old standfirst." not in preview
    published = client.post(f"/desk/{piece.id}/publish-changes", follow_redirects=True).get_data(as_text=True)
    assert "Changes published: readers now see revision 2." in published
    assert "Unpublished changes" not in published
    auth.logout()
    for path in ("/articles/rights-online", "/feed.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "A corrected standfirst." in body and "The old standfirst." not in body


def test_publishing_changes_is_audited_and_refused_with_nothing_waiting(app, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    with app.app_context():
        stored, user = db.session.get(Piece, piece.id), db.session.get(type(writer), writer.id)
        with pytest.raises(services.PieceError, match="no unpublished changes"):
            services.publish_changes(stored, user)
        services.update_piece(stored, user, services.PieceData(title="Rights online, revised"))
        assert stored.title == "Rights online"  # the row is what readers see
        services.publish_changes(stored, user)
        assert stored.title == "Rights online, revised" and stored.revision_number == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.PUBLISH_CHANGES))
        assert (event.actor_name, event.subject, event.detail) == (
            writer.display_name, "Rights online, revised", "revision 2")


def test_a_draft_takes_each_save_at_once_and_keeps_every_one(app, client, auth, make_piece, make_user):
    writer = make_user("writer")
    piece = make_piece("Rights online", author=writer, status="draft", body_source="One.")
    auth.login(writer)
    saved = edit(client, piece.id, body_source="Two.", note="Second go").get_data(as_text=True)
    assert "Saved." in saved and "Unpublished changes" not in saved
    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        assert stored.body_source == "Two." and stored.revision_number == 2
        assert [(r.number, r.note, r.body_source) for r in revisions.revisions_of(stored)] == [
            (2, "Second go", "Two."), (1, "", "One.")]


@pytest.mark.config(CMS_WRITERS_PUBLISH=False)
def test_writers_publish_changes_only_where_they_may_publish(app, client, auth, make_piece, make_user):
    writer, editor = make_user("writer"), make_user("editor")
    piece = make_piece("Rights online", author=writer, status="draft", standfirst="Old.")
    with app.app_context():
        services.publish(db.session.get(Piece, piece.id), db.session.get(type(editor), editor.id))
    auth.login(writer)
    page = edit(client, piece.id, standfirst="Changed.").get_data(as_text=True)
    assert "An editor publishes them." in page and ">Publish changes</button>" not in page
    assert client.post(f"/desk/{piece.id}/publish-changes").status_code == 403
    assert client.post(f"/desk/{piece.id}/publish").status_code == 403
    auth.logout()
    auth.login(editor)
    assert client.post(f"/desk/{piece.id}/publish-changes").status_code == 302
    assert "Changed." in client.get("/articles/rights-online").get_data(as_text=True)


def test_the_revisions_page_lists_compares_and_restores(client, auth, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    auth.login(writer)
    edit(client, piece.id, title="Rights online now", body_source="First line.\n\nSecond line, longer.",
         topics="Privacy, Censorship", image_alt="", note="Sharper")
    listing = client.get(f"/desk/{piece.id}/revisions").get_data(as_text=True)
    assert "<h1>Revisions of “Rights online”</h1>" in listing  # the title readers see
    assert "2 <strong>(draft of changes)</strong>" in listing and "1 <strong>(published)</strong>" in listing
    assert "Sharper" in listing and writer.display_name in listing
    diff = client.get(f"/desk/{piece.id}/revisions/compare?from=2&to=1").get_data(as_text=True)
    assert "<h1>Revision 1 → revision 2</h1>" in diff
    assert "<h2>Title</h2>" in diff and "Rights online<ins> now</ins>" in diff
    assert "Second line<ins>, longer</ins>." in diff
    assert "<h2>Topics</h2>" in diff and "Privacy<ins>, Censorship</ins>" in diff
    assert "<h2>Standfirst</h2>" not in diff  # unchanged fields are left out
    assert client.get(f"/desk/{piece.id}/revisions/compare?from=1&to=9").status_code == 400
    restored = client.post(f"/desk/{piece.id}/revisions/1/restore", follow_redirects=True)
    restored = restored.get_data(as_text=True)
    assert "Revision 1 is now the current version (revision 3)." in restored
    assert "Unpublished changes" not in restored  # what readers see is the current draft again
    assert 'value="Rights online"' in restored
    listing = client.get(f"/desk/{piece.id}/revisions").get_data(as_text=True)
    assert "Restored revision 1" in listing


def test_restoring_an_old_revision_of_a_live_piece_makes_it_the_draft(app, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    with app.app_context():
        stored, user = db.session.get(Piece, piece.id), db.session.get(type(writer), writer.id)
        services.update_piece(stored, user, services.PieceData(title="Second"))
        services.publish_changes(stored, user)
        copy = services.restore_revision(stored, user, 1)
        assert (copy.number, copy.title, stored.title) == (3, "Rights online", "Second")
        assert revisions.pending_revision(stored) is copy
        with pytest.raises(services.PieceError, match="already the current one"):
            services.restore_revision(stored, user, 3)
        with pytest.raises(services.PieceError, match="no revision 7"):
            services.restore_revision(stored, user, 7)


def test_a_save_over_a_newer_revision_is_refused_with_both_texts(client, auth, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    editor = make_user("editor")
    auth.login(writer)
    stale = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', stale).group(1)
    auth.logout()
    auth.login(editor)
    edit(client, piece.id, body_source="The editor's text.", note="Tightened")
    auth.logout()
    auth.login(writer)
    refused = client.post(f"/desk/{piece.id}/edit", data={**FORM, "base_revision": base,
                                                           "body_source": "The writer's text."})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Not saved: someone saved this article while you were editing" in page
    assert f"{editor.display_name} saved revision 2" in page and "(“Tightened”)" in page
    assert "The editor&#39;s text." in page  # theirs, shown
    assert "The writer&#39;s text.</textarea>" in page  # mine, kept in the form
    assert 'name="base_revision" type="hidden" value="2"' in page
    assert "The <del>editor</del><ins>writer</ins>&#39;s text." in page
    again = client.post(f"/desk/{piece.id}/edit", data={**FORM, "base_revision": "2",
                                                         "body_source": "The writer's text."},
                        follow_redirects=True).get_data(as_text=True)
    assert "Saved as a draft of changes" in again and "Unpublished changes</strong>: revision 3" in again


def test_an_interview_keeps_its_transcript_per_revision(app, client, auth, make_piece, make_user):
    writer = make_user("writer")
    piece = make_piece("Blocked", author=writer, kind=Interview, body_source=TRANSCRIPT)
    auth.login(writer)
    form = client.get(f"/desk/interviews/{piece.id}/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', form).group(1)
    changed = TRANSCRIPT.replace("They blocked the site.", "They blocked the whole site.")
    client.post(f"/desk/interviews/{piece.id}/edit", data={**FORM, "title": "Blocked", "body_source": changed,
                                                           "base_revision": base})
    assert "the whole site" not in client.get("/interviews/blocked").get_data(as_text=True)
    preview = client.get(f"/desk/{piece.id}/preview").get_data(as_text=True)
    assert "They blocked the whole site." in preview and 'id="turn-2"' in preview
    diff = client.get(f"/desk/{piece.id}/revisions/compare?from=1&to=2").get_data(as_text=True)
    assert "<h2>Body</h2>" in diff and "blocked the <ins>whole </ins>site" in diff
    client.post(f"/desk/{piece.id}/publish-changes")
    assert "They blocked the whole site." in client.get("/interviews/blocked").get_data(as_text=True)
    with app.app_context():
        assert [r.body_source for r in revisions.revisions_of(db.session.get(Piece, piece.id))] == [
            changed, TRANSCRIPT]


def test_unpublishing_asks_first_and_keeps_the_waiting_changes_as_the_draft(client, auth, make_piece,
                                                                            make_user):
    writer, piece = live(make_piece, make_user)
    auth.login(writer)
    edit(client, piece.id, standfirst="Waiting.")
    confirm = client.get(f"/desk/{piece.id}/unpublish").get_data(as_text=True)
    assert "<h1>Unpublish “Rights online”?</h1>" in confirm
    assert "Its unpublished changes (revision 2) become the draft you keep working on." in confirm
    assert "Rights online" in client.get("/articles/rights-online").get_data(as_text=True)
    client.post(f"/desk/{piece.id}/unpublish")
    assert client.get("/articles/rights-online").status_code == 404
    page = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert "Status: unpublished" in page and "Waiting." in page and "Unpublished changes" not in page


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_new_image_waits_with_its_revision_and_the_old_one_goes_when_replaced(app, client, auth,
                                                                               make_piece, make_user):
    writer = make_user("writer")
    auth.login(writer)
    client.post("/desk/new", content_type="multipart/form-data",
                data={**FORM, "image": (io.BytesIO(png()), "one.png"), "image_alt": "The first photo"})
    with app.app_context():
        piece = db.session.scalar(select(Piece))
        first, piece_id = piece.image.filename, piece.id
        services.publish(piece, piece.author)
    form = client.get(f"/desk/{piece_id}/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', form).group(1)
    client.post(f"/desk/{piece_id}/edit", content_type="multipart/form-data",
                data={**FORM, "base_revision": base, "image": (io.BytesIO(png()), "two.png"),
                      "image_alt": "The second photo"})
    with app.app_context():
        second = db.session.scalar(select(Revision).order_by(Revision.id.desc())).image.filename
    editor = client.get(f"/desk/{piece_id}/edit").get_data(as_text=True)
    assert f'src="/media/{second}"' in editor and f'src="/media/{first}"' not in editor  # the draft's
    auth.logout()
    page = client.get("/articles/rights-online").get_data(as_text=True)
    assert first in page and "The first photo" in page and second not in page
    assert client.get(f"/media/{second}").status_code == 404  # readers cannot reach it yet
    auth.login(writer)
    response = client.get(f"/media/{second}")
    response.close()
    assert response.headers["Cache-Control"] == "private, no-store"
    client.post(f"/desk/{piece_id}/publish-changes")
    auth.logout()
    page = client.get("/articles/rights-online").get_data(as_text=True)
    assert second in page and "The second photo" in page
    assert client.get(f"/media/{first}").status_code == 404  # shown by nothing: deleted
    with app.app_context():
        assert db.session.scalar(select(Image.filename).where(Image.filename == first)) is None


def test_a_new_address_in_a_draft_of_changes_is_held_for_it(app, make_piece, make_user):
    writer, piece = live(make_piece, make_user)
    other = make_user("writer")
    with app.app_context():
        stored, user = db.session.get(Piece, piece.id), db.session.get(type(writer), writer.id)
        services.update_piece(stored, user, services.PieceData(title="Rights online", slug="a-new-address"))
        newcomer = services.create_piece(db.session.get(type(other), other.id),
                                         services.PieceData(title="Newcomer", slug="a-new-address"))
        assert newcomer.slug == "a-new-address-2"
        services.publish_changes(stored, user)
        assert stored.slug == "a-new-address"
        assert revisions.head_revision(stored).slug == "a-new-address"


@pytest.mark.parametrize("base", ["", "abc", "0"])
def test_a_form_that_does_not_say_where_it_started_is_refused_as_a_conflict(client, auth, make_piece,
                                                                            make_user, base):
    writer, piece = live(make_piece, make_user)
    auth.login(writer)
    page = client.post(f"/desk/{piece.id}/edit", data={**FORM, "base_revision": base,
                                                       "body_source": "Mine."}).get_data(as_text=True)
    assert "Not saved: someone saved this article while you were editing" in page
    assert "Mine.</textarea>" in page and 'name="base_revision" type="hidden" value="1"' in page


def test_a_comparison_of_very_long_changes_shows_them_whole_instead_of_matching_them():
    """Matching word by word is quadratic at worst: past the bounds, the changed stretch is
    shown removed and added (bench/worst_case.py times the worst cases)."""
    old = " ".join(f"w{n}" for n in range(2_000))
    new = old.replace("w1000 ", "changed ")
    (kind, html), = revisions._lines(old, new)
    assert kind == "changed" and html.count("<del>") == 1 and html.count("<ins>") == 1
    assert html.startswith("w0 w1 ") and html.endswith(" w1998 w1999")  # the same start and end kept
    short = revisions._lines("a b c", "a x c")
    assert short == [("changed", "a <del>b</del><ins>x</ins> c")]
