"""Lead images in three widths: stored at upload, served with srcset, cleaned like the upload,
removed with it, and made for older images by `images rebuild`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from cms.articles.models import Image, Piece
from cms.extensions import db
from tests.articles.test_images import MARKERS, encoded, exif_with_gps, jpeg_markers, upload


def only_image(app) -> Image:
    with app.app_context():
        image = db.session.scalar(select(Image))
        db.session.expunge(image)
        return image


def files_of(app) -> dict[str, tuple[int, int]]:
    folder = Path(app.instance_path) / "uploads"
    found = {}
    for path in sorted(folder.iterdir()):
        with PILImage.open(path) as opened:
            found[path.name] = opened.size
    return found


def test_an_upload_is_stored_in_each_narrower_width(app, client, auth, make_user):
    auth.login(make_user("writer"))
    photo = encoded(PILImage.new("RGB", (2400, 1600), (200, 40, 40)), "JPEG", exif=exif_with_gps(),
                    comment=b"SECRET-COMMENT")
    upload(client, photo, "photo.jpg")
    image = only_image(app)
    stem = image.filename.removesuffix(".jpg")
    assert (image.width, image.height, image.widths) == (1600, 1067, "480,960")
    assert files_of(app) == {f"{stem}-480.jpg": (480, 320), f"{stem}-960.jpg": (960, 640),
                             image.filename: (1600, 1067)}
    assert image.sources == [(f"{stem}-480.jpg", 480), (f"{stem}-960.jpg", 960), (image.filename, 1600)]
    for name in files_of(app):  # each width is as clean as the full size: no EXIF, no comment
        raw = (Path(app.instance_path) / "uploads" / name).read_bytes()
        assert not any(marker in raw for marker in MARKERS), name
        assert 0xE1 not in jpeg_markers(raw) and 0xFE not in jpeg_markers(raw), name


def test_a_narrow_image_has_no_smaller_widths(app, client, auth, make_user):
    auth.login(make_user("writer"))
    upload(client, encoded(PILImage.new("RGB", (600, 300)), "PNG"), "small.png")
    image = only_image(app)
    assert image.widths == "480"
    upload(client, encoded(PILImage.new("RGB", (300, 300)), "PNG"), "tiny.png", title="Tiny")
    with app.app_context():
        tiny = db.session.scalar(select(Image).where(Image.width == 300))
        assert (tiny.widths, tiny.sources) == ("", [(tiny.filename, 300)])


def test_a_gif_keeps_its_palette_in_every_width(app, client, auth, make_user):
    auth.login(make_user("writer"))
    picture = PILImage.new("P", (1000, 500))
    picture.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    picture.paste(1, (0, 0, 500, 500))
    upload(client, encoded(picture, "GIF", transparency=0), "flag.gif")
    image = only_image(app)
    stem = image.filename.removesuffix(".gif")
    with PILImage.open(Path(app.instance_path) / "uploads" / f"{stem}-480.gif") as small:
        assert (small.mode, small.size, small.info.get("transparency")) == ("P", (480, 240), 0)
        assert small.convert("RGB").getpixel((10, 10)) == (255, 0, 0)


@pytest.mark.config(CMS_BASE_URL="https://news.example.org", CMS_TRUSTED_HOSTS="news.example.org,localhost")
def test_the_page_offers_every_width_and_the_browser_picks(app, client, auth, make_user):
    from cms.accounts.models import User
    from cms.articles import services as pieces

    writer = make_user("writer")
    auth.login(writer)
    upload(client, encoded(PILImage.new("RGB", (1800, 900)), "JPEG"), "wide.jpg", title="Wide")
    image = only_image(app)
    stem = image.filename.removesuffix(".jpg")
    with app.app_context():
        piece = db.session.scalar(select(Piece))
        pieces.publish(piece, db.session.get(User, writer.id))
        slug = piece.slug
    auth.logout()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert (f'<img src="/media/{image.filename}" srcset="/media/{stem}-480.jpg 480w, /media/{stem}-960.jpg '
            f'960w, /media/{image.filename} 1600w" sizes="(min-width: 46rem) 44rem, calc(100vw - 2rem)" '
            f'alt="A photo" width="1600" height="800">') in page
    with client.get(f"/media/{stem}-480.jpg") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=3600, s-maxage=300"
        with PILImage.open(io.BytesIO(response.get_data())) as opened:
            assert opened.size == (480, 240)
    for missing in (f"{stem}-481.jpg", f"{stem}-480.png", f"{stem}-0480.jpg", f"{stem}-480.jpg.jpg"):
        assert client.get(f"/media/{missing}").status_code == 404, missing


def test_a_width_of_an_unpublished_image_is_for_its_editors_only(app, client, auth, make_user):
    writer = make_user("writer")
    auth.login(writer)
    upload(client, encoded(PILImage.new("RGB", (1000, 1000)), "JPEG"), "draft.jpg")
    stem = only_image(app).filename.removesuffix(".jpg")
    with client.get(f"/media/{stem}-480.jpg") as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    auth.logout()
    assert client.get(f"/media/{stem}-480.jpg").status_code == 404


def test_removing_an_image_removes_every_width(app, client, auth, make_user):
    from cms.articles.images import remove_image_file

    auth.login(make_user("writer"))
    upload(client, encoded(PILImage.new("RGB", (1200, 600)), "JPEG"), "gone.jpg")
    image = only_image(app)
    (Path(app.instance_path) / "uploads" / "keep-480.jpg").write_bytes(b"not ours")
    with app.app_context():
        remove_image_file(image.filename)
    assert sorted(path.name for path in (Path(app.instance_path) / "uploads").iterdir()) == ["keep-480.jpg"]


def test_images_rebuild_gives_older_images_their_widths_once(app, client, auth, make_user, runner):
    auth.login(make_user("writer"))
    upload(client, encoded(PILImage.new("RGB", (1300, 650), (1, 2, 3)), "PNG"), "old.png")
    image = only_image(app)
    stem = image.filename.removesuffix(".png")
    folder = Path(app.instance_path) / "uploads"
    for width in (480, 960):  # as an image uploaded before widths existed
        (folder / f"{stem}-{width}.png").unlink()
    with app.app_context():
        db.session.get(Image, image.id).widths = ""
        db.session.commit()
    result = runner.invoke(args=["images", "rebuild"])
    assert result.output == "images: 1 given their widths, 0 already had them\n"
    assert files_of(app) == {f"{stem}-480.png": (480, 240), f"{stem}-960.png": (960, 480),
                             image.filename: (1300, 650)}
    assert only_image(app).widths == "480,960"
    again = runner.invoke(args=["images", "rebuild"])
    assert again.output == "images: 0 given their widths, 1 already had them\n"


@pytest.mark.config(CMS_IMAGE_WIDTHS="320, 640 ,1200")
def test_the_widths_are_a_setting(app, client, auth, make_user):
    auth.login(make_user("writer"))
    upload(client, encoded(PILImage.new("RGB", (1000, 1000)), "JPEG"), "square.jpg")
    assert only_image(app).widths == "320,640"


@pytest.mark.parametrize("value", ["480,wide", "0,480", "99999"])
def test_widths_that_cannot_work_stop_the_start(tmp_path, value):
    from cms import create_app
    from tests.conftest import base_config

    with pytest.raises(ValueError) as refused:
        create_app({**base_config(tmp_path / "instance", "sqlite://"), "CMS_IMAGE_WIDTHS": value})
    assert str(refused.value) == f"CMS_IMAGE_WIDTHS must list widths in pixels (16 to 10000), not {value!r}"
