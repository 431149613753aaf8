"""Uploaded images: only pixels are stored, huge ones are refused unread, and how they are cached."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage
from PIL import ImageCms, ImageFile, PngImagePlugin
from sqlalchemy import select

from cms.articles.models import Image, Piece
from cms.extensions import db

# What an upload may hide: every string must be gone from the stored file.
SECRETS = {
    "comment": b"SECRET-COMMENT",
    "exif": "SECRET-EXIF description",
    "gps": "SECRET-GPS datum",
    "xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>',
}
MARKERS = (b"SECRET-COMMENT", b"SECRET-EXIF", b"SECRET-GPS", b"SECRET-XMP", b"SECRET-TEXT",
           b"SECRET-ZTXT", b"SECRET-ITXT")
METADATA_KEYS = {"comment", "exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "Comment", "Author",
                 "Description"}
RED = (220, 20, 20)


def article_form(**overrides):
    form = {"title": "A photo story", "standfirst": "", "body_source": "Text.", "language": "en",
            "topics": "", "countries": "", "campaign_id": "", "action": "save"}
    form.update(overrides)
    return form


def upload(client, data: bytes, filename: str, title: str = "A photo story"):
    return client.post("/desk/new", content_type="multipart/form-data", data=article_form(
        title=title, image=(io.BytesIO(data), filename), image_alt="A photo"))


def stored_path(app) -> Path:
    with app.app_context():
        image = db.session.scalar(select(Image))
        assert image is not None, "the upload was refused"
        return Path(app.instance_path) / "uploads" / image.filename


def exif_with_gps() -> PILImage.Exif:
    exif = PILImage.Exif()
    exif[0x010E] = SECRETS["exif"]  # ImageDescription
    exif[0x010F] = "SECRET-EXIF camera maker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 24.0, 33.48)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (49.0, 52.0, 1.56)  # GPSLongitudeRef, GPSLongitude
    gps[0x12] = SECRETS["gps"]  # GPSMapDatum
    return exif


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def swapped_profile() -> bytes:
    """An RGB profile whose red and green primaries are exchanged: its red is sRGB's green."""
    profile = bytearray(srgb_profile())
    (count,) = struct.unpack_from(">I", profile, 128)
    entries = {}
    for index in range(count):
        signature, offset, size = struct.unpack_from(">4sII", profile, 132 + 12 * index)
        entries[signature] = (index, offset, size)
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    struct.pack_into(">4sII", profile, 132 + 12 * red[0], b"rXYZ", green[1], green[2])
    struct.pack_into(">4sII", profile, 132 + 12 * green[0], b"gXYZ", red[1], red[2])
    return bytes(profile)


def encoded(picture: PILImage.Image, kind: str, **params) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=kind, **params)
    return out.getvalue()


# Readers of the containers, independent of Pillow: what segments and chunks a file holds.

def jpeg_markers(raw: bytes) -> list[int]:
    """The markers of a JPEG file up to the start of the scan."""
    assert raw[:2] == b"\xff\xd8"
    markers, position = [], 2
    while position < len(raw):
        assert raw[position] == 0xFF
        marker = raw[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        (length,) = struct.unpack_from(">H", raw, position + 2)
        position += 2 + length
    return markers


def png_chunks(raw: bytes) -> list[bytes]:
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(raw):
        length, kind = struct.unpack_from(">I4s", raw, position)
        chunks.append(kind)
        position += 12 + length
    return chunks


def riff_chunks(raw: bytes) -> list[bytes]:
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"
    chunks, position = [], 12
    while position < len(raw):
        kind, length = struct.unpack_from("<4sI", raw, position)
        chunks.append(kind)
        position += 8 + length + (length & 1)
    return chunks


def gif_blocks(raw: bytes) -> list[str]:
    """'image', or the extension's label ('ext-fe' is a comment), for each block of a GIF."""
    assert raw[:6] in {b"GIF87a", b"GIF89a"}
    flags = raw[10]
    position = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    blocks = []

    def skip_sub_blocks(position: int) -> int:
        while raw[position]:
            position += raw[position] + 1
        return position + 1

    while raw[position] != 0x3B:
        if raw[position] == 0x21:
            blocks.append(f"ext-{raw[position + 1]:02x}")
            position = skip_sub_blocks(position + 2)
        else:
            assert raw[position] == 0x2C
            blocks.append("image")
            local = raw[position + 9]
            position += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            position = skip_sub_blocks(position + 1)  # after the LZW minimum code size
    return blocks


def assert_only_pixels(path: Path) -> None:
    raw = path.read_bytes()
    for marker in MARKERS:
        assert marker not in raw
    with PILImage.open(path) as saved:
        saved.load()
        assert not METADATA_KEYS & saved.info.keys(), saved.info.keys()
        assert not saved.getexif()


# Only pixels survive.

def test_a_jpeg_loses_its_comment_exif_gps_xmp_and_profile(app, client, auth, make_user):
    auth.login(make_user("writer"))
    photo = encoded(PILImage.new("RGB", (64, 48), RED), "JPEG", comment=SECRETS["comment"],
                    exif=exif_with_gps(), xmp=SECRETS["xmp"], icc_profile=srgb_profile())
    assert {0xFE, 0xE1, 0xE2} <= set(jpeg_markers(photo))  # COM, APP1 (EXIF, XMP), APP2 (ICC)
    assert upload(client, photo, "photo.jpg").status_code == 302
    stored = stored_path(app)
    assert stored.suffix == ".jpg"
    assert_only_pixels(stored)
    markers = jpeg_markers(stored.read_bytes())
    assert 0xFE not in markers  # no comment segment
    assert not {0xE1, 0xE2} & set(markers)  # no EXIF, XMP or ICC segment
    with PILImage.open(stored) as saved:
        assert saved.size == (64, 48)
        red, green, blue = saved.convert("RGB").getpixel((32, 24))
        assert red > 200 and green < 45 and blue < 45


def test_a_gif_loses_its_comment(app, client, auth, make_user):
    auth.login(make_user("writer"))
    animation = encoded(PILImage.new("P", (40, 30), 1), "GIF", comment=SECRETS["comment"])
    assert "ext-fe" in gif_blocks(animation)
    assert upload(client, animation, "a.gif").status_code == 302
    stored = stored_path(app)
    assert_only_pixels(stored)
    assert "ext-fe" not in gif_blocks(stored.read_bytes())


def test_an_animated_gif_keeps_its_first_frame_only_and_no_comment(app, client, auth, make_user):
    auth.login(make_user("writer"))
    first = PILImage.new("RGB", (40, 30), RED).convert("P", palette=PILImage.Palette.ADAPTIVE)
    second = PILImage.new("RGB", (40, 30), (20, 20, 220)).convert("P", palette=PILImage.Palette.ADAPTIVE)
    animation = encoded(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0,
                        comment=SECRETS["comment"])
    assert upload(client, animation, "a.gif").status_code == 302
    stored = stored_path(app)
    assert_only_pixels(stored)
    blocks = gif_blocks(stored.read_bytes())
    assert blocks.count("image") == 1 and "ext-fe" not in blocks
    assert "ext-ff" not in blocks  # no application extension (looping, or anything else)
    with PILImage.open(stored) as saved:
        assert saved.n_frames == 1
        assert saved.convert("RGB").getpixel((5, 5)) == RED


def test_a_gif_keeps_its_palette_and_transparency(app, client, auth, make_user):
    auth.login(make_user("writer"))
    picture = PILImage.new("P", (40, 30), 0)
    picture.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    picture.paste(1, (0, 0, 20, 30))
    assert upload(client, encoded(picture, "GIF", transparency=0), "t.gif").status_code == 302
    with PILImage.open(stored_path(app)) as saved:
        assert saved.mode == "P"
        rgba = saved.convert("RGBA")
        assert rgba.getpixel((5, 5)) == (200, 30, 30, 255)
        assert rgba.getpixel((30, 5))[3] == 0


def test_a_png_loses_its_text_chunks_exif_xmp_and_profile(app, client, auth, make_user):
    auth.login(make_user("writer"))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "SECRET-TEXT")  # tEXt
    text.add_text("Author", "SECRET-ZTXT", zip=True)  # zTXt
    text.add_itxt("Description", "SECRET-ITXT")  # iTXt
    text.add_itxt("XML:com.adobe.xmp", SECRETS["xmp"].decode())
    picture = PILImage.new("RGBA", (64, 48), RED + (128,))
    png = encoded(picture, "PNG", pnginfo=text, exif=exif_with_gps(), icc_profile=srgb_profile())
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(png_chunks(png))
    assert upload(client, png, "p.png").status_code == 302
    stored = stored_path(app)
    assert_only_pixels(stored)
    assert not {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"sRGB"} & set(png_chunks(stored.read_bytes()))
    with PILImage.open(stored) as saved:
        assert saved.mode == "RGBA" and saved.getpixel((10, 10)) == RED + (128,)


def test_a_webp_loses_its_exif_xmp_and_profile(app, client, auth, make_user):
    auth.login(make_user("writer"))
    webp = encoded(PILImage.new("RGB", (64, 48), RED), "WEBP", exif=exif_with_gps(), xmp=SECRETS["xmp"],
                   icc_profile=srgb_profile())
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(riff_chunks(webp))
    assert upload(client, webp, "p.webp").status_code == 302
    stored = stored_path(app)
    assert_only_pixels(stored)
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(riff_chunks(stored.read_bytes()))


def test_a_colour_profile_is_applied_to_the_pixels_then_dropped(app, client, auth, make_user):
    """Browsers show an image without a profile as sRGB: the pixels are converted to sRGB."""
    auth.login(make_user("writer"))
    # In this profile (255, 0, 0) is sRGB's pure green.
    png = encoded(PILImage.new("RGB", (16, 16), (255, 0, 0)), "PNG", icc_profile=swapped_profile())
    assert upload(client, png, "p.png").status_code == 302
    stored = stored_path(app)
    assert b"iCCP" not in png_chunks(stored.read_bytes())
    with PILImage.open(stored) as saved:
        red, green, blue = saved.convert("RGB").getpixel((8, 8))
        assert red < 30 and green > 225 and blue < 30


# Refused before decoding.

def png_header_only_image(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of any size, written directly: no picture of that size is allocated."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the bits of one row
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def gif_header_only_image(width: int, height: int) -> bytes:
    """A GIF whose screen and frame claim these dimensions, with almost no image data."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x4c\x01\x00" + b"\x3b")


@pytest.fixture
def no_decoding(monkeypatch):
    """Any decoding of an image fails the test."""
    def refuse(self, *args, **kwargs):
        pytest.fail(f"an image of {self.size} was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize(("make", "width", "height"), [
    # 144 megapixels: above Pillow's own warning limit (about 89.5 megapixels) too.
    (png_header_only_image, 12_000, 12_000),
    # 42 megapixels: above ours, below Pillow's.
    (png_header_only_image, 7_000, 6_000),
    # 400 megapixels: above Pillow's DecompressionBombError limit (about 179 megapixels).
    (png_header_only_image, 20_000, 20_000),
    (gif_header_only_image, 12_000, 12_000),
], ids=["png-144MP", "png-42MP", "png-400MP", "gif-144MP"])
def test_an_image_over_the_pixel_limit_is_refused_without_being_decoded(
        app, client, auth, make_user, no_decoding, make, width, height):
    auth.login(make_user("writer"))
    data = make(width, height)
    assert len(data) < 1024 * 1024  # small on disk, huge in memory
    response = upload(client, data, "huge.png" if data.startswith(b"\x89PNG") else "huge.gif")
    assert response.status_code == 200  # the form comes back
    page = response.get_data(as_text=True)
    assert (f"The image is {width:,} × {height:,} pixels; the largest accepted is 40 megapixels."
            in page)
    assert 'value="A photo story"' in page  # what the writer typed is kept
    with app.app_context():
        assert db.session.scalars(select(Image)).all() == []
        assert db.session.scalars(select(Piece)).all() == []


@pytest.mark.config(CMS_IMAGE_MAX_PIXELS=100)
def test_the_pixel_limit_is_inclusive(app, client, auth, make_user):
    auth.login(make_user("writer"))
    refused = upload(client, encoded(PILImage.new("RGB", (10, 11), RED), "PNG"), "p.png")
    assert refused.status_code == 200
    assert ("The image is 10 × 11 pixels; the largest accepted is 100 pixels."
            in refused.get_data(as_text=True))
    accepted = upload(client, encoded(PILImage.new("RGB", (10, 10), RED), "PNG"), "p.png")
    assert accepted.status_code == 302
    with app.app_context():
        image = db.session.scalar(select(Image))
        assert (image.width, image.height) == (10, 10)


def test_pillows_own_limit_applies_when_it_is_lower(app, client, auth, make_user, monkeypatch):
    """Image.MAX_IMAGE_PIXELS is the process's: when someone lowers it, ours says so first."""
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1_000)
    auth.login(make_user("writer"))
    response = upload(client, encoded(PILImage.new("RGB", (40, 40), RED), "PNG"), "p.png")
    assert response.status_code == 200
    assert ("The image is 40 × 40 pixels; the largest accepted is 1,000 pixels."
            in response.get_data(as_text=True))


def test_the_pixel_limit_is_a_setting():
    from cms.config import DEFAULTS, from_environment

    assert DEFAULTS["CMS_IMAGE_MAX_PIXELS"] == 40_000_000
    assert from_environment({"CMS_IMAGE_MAX_PIXELS": "1000"}) == {"CMS_IMAGE_MAX_PIXELS": 1000}


# How images are cached.

def test_a_public_image_is_cached_briefly_by_shared_caches(app, client, auth, make_user):
    auth.login(make_user("writer"))
    upload(client, encoded(PILImage.new("RGB", (16, 16), RED), "PNG"), "p.png")
    with app.app_context():
        piece = db.session.scalar(select(Piece))
        src, piece_id = f"/media/{piece.image.filename}", piece.id
    client.post(f"/desk/{piece_id}/publish", data={"publish_at": ""})
    for viewer in (app.test_client(), client):  # a reader, and the writer
        with viewer.get(src) as served:
            assert served.status_code == 200
            assert served.headers["Cache-Control"] == "public, max-age=3600, s-maxage=300"
            assert "Expires" not in served.headers  # nothing longer than max-age


def test_an_image_only_editors_see_is_never_stored_by_a_cache(app, client, auth, make_user):
    writer = make_user("writer")
    auth.login(writer)
    upload(client, encoded(PILImage.new("RGB", (16, 16), RED), "PNG"), "p.png")
    with app.app_context():
        piece = db.session.scalar(select(Piece))
        src, piece_id = f"/media/{piece.image.filename}", piece.id
    with client.get(src) as draft:
        assert draft.status_code == 200
        assert draft.headers["Cache-Control"] == "private, no-store"
    client.post(f"/desk/{piece_id}/publish", data={"publish_at": ""})
    client.post(f"/desk/{piece_id}/unpublish")
    with client.get(src) as unpublished:
        assert unpublished.status_code == 200
        assert unpublished.headers["Cache-Control"] == "private, no-store"
    with app.test_client().get(src) as for_reader:
        assert for_reader.status_code == 404
