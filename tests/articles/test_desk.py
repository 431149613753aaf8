"""The writer desk, page by page, through the test client."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from cms.articles import trash
from cms.articles.models import Image, Piece, PieceStatus
from cms.database import utcnow
from cms.extensions import db
from tests.conftest import PASSWORD, csrf_token, form_token


def png_bytes(size=(64, 48), exif_comment: str | None = None, kind="PNG") -> io.BytesIO:
    picture = PILImage.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif_comment:
        exif = PILImage.Exif()
        exif[0x010E] = exif_comment  # ImageDescription
        picture.save(out, format=kind, exif=exif)
    else:
        picture.save(out, format=kind)
    out.seek(0)
    return out


def article_form(**overrides):
    form = {
        "title": "Writing about rights",
        "standfirst": "A short standfirst.",
        "body_source": "A claim.[^1]\n\n## Section\n\nMore text.\n\n[^1]: The source of the claim.",
        "language": "en",
        "topics": "Censorship, Privacy",
        "countries": "Azerbaijan",
        "comments_open": "y",
        "campaign_id": "",
        "action": "save",
    }
    form.update(overrides)
    return form


def test_the_whole_writer_journey(app, client, runner, make_campaign):
    """users create -> log in -> write with footnote and image -> preview -> publish -> unpublish."""
    campaign = make_campaign("Rights campaign", attribution="Part of the Rights campaign.")
    created = runner.invoke(args=["users", "create", "nina@example.org", "--name", "Nina Roe",
                                  "--role", "writer", "--password-stdin"], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert client.post("/login", data={"email": "nina@example.org", "password": PASSWORD}).status_code == 302

    response = client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        campaign_id=str(campaign.id), action="preview",
        image=(png_bytes(), "photo.png"), image_alt="Protesters with placards",
        image_caption="A march in the capital.", image_credit="Jane Photographer",
        image_licence_name="CC BY-SA 3.0",
        image_licence_url="https://creativecommons.org/licenses/by-sa/3.0/",
    ))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert re.fullmatch(r"/desk/\d+/preview", preview_url)
    piece_id = int(preview_url.split("/")[2])

    preview = client.get(preview_url).get_data(as_text=True)
    assert "<strong>Preview</strong>" in preview and "Status: draft" in preview
    assert "<h1>Writing about rights</h1>" in preview
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in preview
    assert '<h2 id="p-2">Section</h2>' in preview  # a writer's highest heading sits right under the h1
    assert '<span class="credit">Photo: Jane Photographer</span>' in preview
    assert 'rel="license noopener noreferrer">CC BY-SA 3.0</a>' in preview
    assert 'alt="Protesters with placards"' in preview
    assert client.get("/articles/writing-about-rights").status_code == 404  # not yet public

    published = client.post(f"/desk/{piece_id}/publish", data={"publish_at": ""})
    assert published.status_code == 302
    article = client.get("/articles/writing-about-rights").get_data(as_text=True)
    # The preview showed exactly what readers now see (minus the preview bar and the minute).
    def piece_markup(page):
        piece = page.split('<article class="piece article"')[1].split("</article>")[0]
        return re.sub(r"<time[^>]*>", "<time>", piece)  # comments follow the article

    assert piece_markup(article) == piece_markup(preview)
    assert "Writing about rights" in client.get("/campaigns/rights-campaign").get_data(as_text=True)
    assert "<title>Writing about rights</title>" in client.get("/feed.atom").get_data(as_text=True)
    image_src = re.search(r'<img src="(/media/[0-9a-f]{32}\.png)"', article).group(1)
    with client.get(image_src) as served:
        assert served.status_code == 200 and served.mimetype == "image/png"

    assert client.post(f"/desk/{piece_id}/unpublish").status_code == 302
    for url in ("/", "/articles/writing-about-rights", "/campaigns/rights-campaign",
                "/tags/censorship", "/tags/azerbaijan", "/archive", "/feed.atom",
                "/campaigns/rights-campaign/feed.atom"):
        assert "Writing about rights" not in client.get(url).get_data(as_text=True), url
    with app.app_context():
        assert db.session.get(Piece, piece_id).status == PieceStatus.UNPUBLISHED


def test_bad_input_comes_back_with_a_message_and_what_was_typed(client, auth, make_user, app):
    auth.login(make_user("writer"))
    response = client.post("/desk/new", data=article_form(title="", language="not a code!"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Please correct the fields marked below; what you typed is kept." in page
    assert "This field is required." in page
    assert "Choose a language from the list." in page
    assert "A claim.[^1]" in page and 'value="Censorship, Privacy"' in page
    with app.app_context():
        assert db.session.scalars(select(Piece)).all() == []


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(client, auth, make_user, app):
    auth.login(make_user("writer"))
    response = client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        image=(io.BytesIO(b"<?php evil(); ?>"), "photo.png"), image_alt="An image"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "That file is not an image we can read." in page
    assert 'value="Writing about rights"' in page
    with app.app_context():
        assert db.session.scalars(select(Piece)).all() == []
        assert db.session.scalars(select(Image)).all() == []


@pytest.mark.config(CMS_MAX_IMAGE_BYTES=1000)
def test_an_image_over_the_size_limit_is_refused(client, auth, make_user):
    auth.login(make_user("writer"))
    big = png_bytes(size=(400, 400))
    response = client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        image=(big, "big.png"), image_alt="Big"))
    assert "The image is larger than" in response.get_data(as_text=True)


def test_an_image_without_alternative_text_is_refused(client, auth, make_user):
    auth.login(make_user("writer"))
    response = client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        image=(png_bytes(), "p.png"), image_alt=""))
    assert "Describe the image in the alternative text" in response.get_data(as_text=True)


def test_uploaded_images_lose_their_metadata_and_get_server_names(client, auth, make_user, app):
    auth.login(make_user("writer"))
    client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        image=(png_bytes(kind="JPEG", exif_comment="GPS 40.4093,49.8671"), "../../etc/x.jpg"),
        image_alt="A photo"))
    with app.app_context():
        image = db.session.scalar(select(Image))
        assert re.fullmatch(r"[0-9a-f]{32}\.jpg", image.filename)
        stored = (app.instance_path + "/uploads/" + image.filename)
        with PILImage.open(stored) as saved:
            assert saved.format == "JPEG"
            assert "exif" not in saved.info
        with open(stored, "rb") as raw:
            assert b"GPS 40.4093" not in raw.read()


def test_a_writer_sees_only_their_pieces_and_gets_403_on_others(client, auth, make_user, make_piece):
    mine_author, other_author = make_user("writer"), make_user("writer")
    mine = make_piece("Mine", author=mine_author)
    theirs = make_piece("Theirs", author=other_author)
    auth.login(mine_author)
    desk = client.get("/desk/").get_data(as_text=True)
    assert "Mine" in desk and "Theirs" not in desk
    assert client.get(f"/desk/{theirs.id}/edit").status_code == 403
    assert client.post(f"/desk/{theirs.id}/unpublish").status_code == 403
    assert client.post(f"/desk/{theirs.id}/delete").status_code == 403
    assert client.get(f"/desk/{mine.id}/edit").status_code == 200


def test_moderators_have_no_desk(client, auth, make_user):
    auth.login(make_user("moderator"))
    assert client.get("/desk/").status_code == 403
    assert client.get("/desk/new").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_delete_asks_for_confirmation_first(client, auth, make_user, make_piece, app):
    writer = make_user("writer")
    piece = make_piece("Doomed", author=writer)
    auth.login(writer)
    confirm = client.get(f"/desk/{piece.id}/delete").get_data(as_text=True)
    assert "Delete “Doomed”?" in confirm
    with app.app_context():
        assert db.session.get(Piece, piece.id) is not None  # a GET changes nothing
    assert "moves to the trash" in confirm and "for 30 days" in confirm
    assert client.post(f"/desk/{piece.id}/delete").headers["Location"] == "/desk/"
    with app.app_context():
        assert db.session.get(Piece, piece.id).trashed_at is not None  # in the trash, not gone
    assert client.get("/articles/doomed").status_code == 404


def test_scheduling_from_the_desk(client, auth, make_user, make_piece, app):
    writer = make_user("writer")
    piece = make_piece("Planned", author=writer, status=PieceStatus.DRAFT)
    auth.login(writer)
    client.post(f"/desk/{piece.id}/publish", data={"publish_at": "2999-01-01T09:30"})
    assert client.get("/articles/planned").status_code == 404
    edit_page = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert "Status: scheduled" in edit_page
    assert 'Scheduled for <time datetime="2999-01-01T09:30+00:00">1 January 2999, 09:30</time>' in edit_page
    bad = client.post(f"/desk/{piece.id}/publish", data={"publish_at": "tomorrow-ish"}, follow_redirects=True)
    assert "Give the publication time as a date and a time" in bad.get_data(as_text=True)


def test_editing_shows_the_stored_values_and_saves_changes(client, auth, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Before", author=writer, topics=["One"], countries=["Georgia"],
                       body_source="Old *body*.")
    auth.login(writer)
    form = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert 'value="Before"' in form and 'value="One"' in form and 'value="Georgia"' in form
    assert "Old *body*." in form
    saved = client.post(f"/desk/{piece.id}/edit", data=article_form(title="After", body_source="New body.",
                                                                    base_revision="1"),
                        follow_redirects=True).get_data(as_text=True)
    assert "Saved as a draft of changes: readers still see the published version" in saved
    assert 'value="After"' in saved and "New body." in saved  # the editor shows the draft
    page = client.get("/articles/before").get_data(as_text=True)
    assert "<h1>Before</h1>" in page and "New body." not in page
    client.post(f"/desk/{piece.id}/publish-changes")
    page = client.get("/articles/before").get_data(as_text=True)
    assert "<h1>After</h1>" in page and "New body." in page


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_desk_posts_need_the_csrf_token(client, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Guarded", author=writer)
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": writer.email, "password": PASSWORD,
                                "form_token": form_token(login_page)})
    refused = client.post(f"/desk/{piece.id}/unpublish")
    assert refused.status_code == 400
    assert "The form had expired or was not sent from this site." in refused.get_data(as_text=True)
    edit = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    accepted = client.post(f"/desk/{piece.id}/unpublish", data={"csrf_token": csrf_token(edit)})
    assert accepted.status_code == 302
    assert client.get("/articles/guarded").status_code == 404


def test_editors_manage_campaigns_writers_do_not(client, auth, make_user):
    auth.login(make_user("writer"))
    assert client.get("/desk/campaigns/new").status_code == 403
    auth.logout()
    auth.login(make_user("editor"))
    response = client.post("/desk/campaigns/new", data={
        "title": "Free press", "attribution": "Financed by the Press Fund.", "description": "About"})
    assert response.headers["Location"] == "/campaigns/free-press"
    page = client.get("/campaigns/free-press").get_data(as_text=True)
    assert "<h1>Free press</h1>" in page
    empty = client.post("/desk/campaigns/new", data={"title": "", "description": "kept text"})
    assert "This field is required." in empty.get_data(as_text=True)
    assert "kept text" in empty.get_data(as_text=True)


def _upload_article(client, title="With a photo"):
    client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        title=title, image=(png_bytes(), "p.png"), image_alt="A portrait"))


def test_an_image_is_public_only_while_a_public_piece_shows_it(app, client, auth, make_user):
    writer = make_user("writer")
    auth.login(writer)
    _upload_article(client)
    with app.app_context():
        piece = db.session.scalar(select(Piece))
        src = f"/media/{piece.image.filename}"
        piece_id = piece.id
    reader = app.test_client()
    with reader.get(src) as draft_for_reader:
        assert draft_for_reader.status_code == 404  # a draft's photo is not out yet
    with client.get(src) as draft_for_writer:
        assert draft_for_writer.status_code == 200  # the writer previews it
        assert draft_for_writer.headers["Cache-Control"] == "private, no-store"
    client.post(f"/desk/{piece_id}/publish", data={"publish_at": ""})
    with reader.get(src) as published:
        assert published.status_code == 200
    client.post(f"/desk/{piece_id}/unpublish")
    with reader.get(src) as unpublished:
        assert unpublished.status_code == 404


def test_deleting_a_piece_or_its_image_deletes_the_file(app, client, auth, make_user):
    import os

    auth.login(make_user("writer"))
    _upload_article(client, "First")
    _upload_article(client, "Second")
    with app.app_context():
        first, second = db.session.scalars(select(Piece).order_by(Piece.id)).all()
        first_file = os.path.join(app.instance_path, "uploads", first.image.filename)
        second_file = os.path.join(app.instance_path, "uploads", second.image.filename)
        first_id, second_id = first.id, second.id
    assert os.path.exists(first_file) and os.path.exists(second_file)
    client.post(f"/desk/{first_id}/delete")
    assert os.path.exists(first_file)  # in the trash, restorable with its image
    with app.app_context():
        assert trash.purge_trash(utcnow() + timedelta(days=31)) == 1
    client.post(f"/desk/{second_id}/edit",
                data=article_form(title="Second", remove_image="y", base_revision="1"))
    assert not os.path.exists(first_file) and not os.path.exists(second_file)
    with app.app_context():
        assert db.session.scalars(select(Image)).all() == []


@pytest.mark.config(CMS_LANGUAGES=("en", "ru", "az", "uk"))
def test_the_language_is_chosen_from_a_list_of_names_in_their_own_language(app, client, auth, make_user,
                                                                          make_piece):
    writer = make_user("writer")
    auth.login(writer)
    form = client.get("/desk/new").get_data(as_text=True)
    options = re.findall(r'<option (?:selected )?value="([a-z]+)">([^<]+)</option>', form)
    assert [o for o in options if o[0] in {"en", "ru", "az", "uk"}] == [
        ("en", "English (en)"), ("ru", "Русский (ru)"), ("az", "Azərbaycan dili (az)"),
        ("uk", "Українська (uk)")]
    old = make_piece("Old one", author=writer, language="de")  # a language the site no longer lists
    page = client.get(f"/desk/{old.id}/edit").get_data(as_text=True)
    assert '<option selected value="de">Deutsch (de)</option>' in page


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (30, 20), (10, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_an_upload_is_kept_when_another_field_sends_the_form_back(app, client, auth, make_user, runner):
    writer = make_user("writer")
    auth.login(writer)
    refused = client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        title="", image=(io.BytesIO(_png()), "photo.png"), image_alt="A photo",
        image_licence_url="not an address"))
    page = refused.get_data(as_text=True)
    assert "This field is required." in page
    assert "The image you chose is kept and will be saved with the piece" in page
    kept = re.search(r'name="kept_image" type="hidden" value="([^"]+)"', page).group(1)
    saved = client.post("/desk/new", data=article_form(title="With its photo", kept_image=kept,
                                                       image_alt="A photo, described again",
                                                       image_licence_url="https://example.org/l"))
    assert saved.status_code == 302
    with app.app_context():  # what the second form said, not what the refused one did
        piece = db.session.scalar(select(Piece).where(Piece.title == "With its photo"))
        assert (piece.image.alt_text, piece.image.licence_url) == ("A photo, described again",
                                                                   "https://example.org/l")
    # Someone else's form cannot bring that image back, nor a forged id.
    auth.logout()
    auth.login(make_user("writer"))
    other = client.post("/desk/new", data=article_form(title="Not mine", kept_image=kept))
    forged = client.post("/desk/new", data=article_form(title="Forged", kept_image="1:nonsense"))
    assert other.status_code == forged.status_code == 302
    with app.app_context():
        for title in ("Not mine", "Forged"):
            assert db.session.scalar(select(Piece).where(Piece.title == title)).image is None


def test_an_upload_never_saved_is_deleted_by_the_daily_purge(app, client, auth, make_user):
    auth.login(make_user("writer"))
    client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        title="", image=(io.BytesIO(_png()), "photo.png"), image_alt="A photo"))
    with app.app_context():
        image = db.session.scalar(select(Image))
        path = Path(app.instance_path) / "uploads" / image.filename
        assert trash.purge_unsaved_uploads() == 0  # the form may still bring it back today
        assert trash.purge_unsaved_uploads(utcnow() + timedelta(days=2)) == 1
        assert db.session.scalar(select(Image)) is None
    assert not path.exists()
