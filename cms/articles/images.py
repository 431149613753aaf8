"""Lead images: checked with Pillow, re-encoded from their pixels alone, stored under our names,
in the uploaded size (scaled to CMS_IMAGE_MAX_DIMENSION) and each smaller width of
CMS_IMAGE_WIDTHS (`<name>-480.jpg`), so a phone downloads the width that fills its screen."""

from __future__ import annotations

import re
import secrets
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from cms.articles.models import Image
from cms.extensions import db

# Pillow format name -> file extension we store it under.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

# A stored width of an image: the image's own name with "-<width>" before the extension.
WIDTH_NAME = re.compile(r"\A(?P<stem>[0-9a-f]{32})-(?P<width>[1-9][0-9]{1,4})\.(?P<ext>[a-z]{3,4})\Z")

# What browsers assume for an image without a colour profile.
SRGB = ImageCms.createProfile("sRGB")


class ImageError(ValueError):
    """An upload that is not an image we accept; the message is meant for people."""


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_image_file(filename: str) -> None:
    """The image's file and the file of each of its widths."""
    folder = upload_folder()
    (folder / filename).unlink(missing_ok=True)
    stem, _, ext = filename.rpartition(".")
    for copy in folder.glob(f"{stem}-*.{ext}"):
        if WIDTH_NAME.match(copy.name):
            copy.unlink(missing_ok=True)


def parse_widths(raw: str | None) -> list[int]:
    """CMS_IMAGE_WIDTHS ("480,960") as numbers, smallest first; ValueError when it cannot be."""
    try:
        widths = sorted({int(part) for part in str(raw or "").split(",") if part.strip()})
    except ValueError:
        widths = [0]
    if any(not 16 <= width <= 10_000 for width in widths):
        raise ValueError(f"CMS_IMAGE_WIDTHS must list widths in pixels (16 to 10000), not {raw!r}")
    return widths


def configured_widths() -> list[int]:
    return parse_widths(current_app.config["CMS_IMAGE_WIDTHS"])


def find_image(filename: str) -> Image | None:
    """The image stored under `filename`: its own file, or one of its widths."""
    image = db.session.scalar(select(Image).where(Image.filename == filename))
    if image is not None:
        return image
    found = WIDTH_NAME.match(filename)
    if found is None:
        return None
    image = db.session.scalar(
        select(Image).where(Image.filename == f"{found['stem']}.{found['ext']}"))
    return image if image is not None and int(found["width"]) in image.width_list else None


def save_widths(picture: PILImage.Image, filename: str, kind: str, params: dict[str, Any]) -> list[int]:
    """Store `picture` (clean pixels) scaled to each configured width narrower than it, next to
    `filename`; the widths stored. Palette images are scaled by nearest pixel, keeping it."""
    stored = []
    stem, _, ext = filename.rpartition(".")
    for width in configured_widths():
        if width >= picture.width:
            continue
        height = max(1, round(picture.height * width / picture.width))
        smaller = picture.resize((width, height), PILImage.Resampling.LANCZOS)
        smaller.save(upload_folder() / f"{stem}-{width}.{ext}", format=kind, **params)
        stored.append(width)
    return stored


def rebuild_widths(image: Image) -> bool:
    """Give a stored image the widths CMS_IMAGE_WIDTHS asks for, from its own (clean) file;
    whether anything changed. The file is read as an upload is, so nothing but pixels is kept."""
    wanted = [width for width in configured_widths() if width < image.width]
    stem, _, ext = image.filename.rpartition(".")
    present = all((upload_folder() / f"{stem}-{width}.{ext}").is_file() for width in wanted)
    if present and image.width_list == wanted:
        return False
    with PILImage.open(upload_folder() / image.filename) as stored:
        kind = stored.format or ""
        picture, params = pixels_only(stored, kind)
    image.widths = ",".join(map(str, save_widths(picture, image.filename, kind, params)))
    return True


def store_image(stream: BinaryIO, *, alt_text: str, caption: str = "", credit: str = "",
                licence_name: str = "", licence_url: str = "", source_url: str = "") -> Image:
    """Check an upload and save its pixels only: no EXIF (camera, place, time), comment or profile."""
    limit = current_app.config["CMS_MAX_IMAGE_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageError(f"The image is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise ImageError("The image file is empty.")
    if not alt_text.strip():
        raise ImageError("Describe the image in the alternative text, for readers who cannot see it.")
    try:
        check_pixel_count(read_header(data))  # before anything decodes (verify() may)
        with PILImage.open(BytesIO(data)) as probe:
            probe.verify()
        picture = PILImage.open(BytesIO(data))
        kind = picture.format or ""
        if kind not in FORMATS:
            raise ImageError("Upload a JPEG, PNG, WebP or GIF image.")
        largest = current_app.config["CMS_IMAGE_MAX_DIMENSION"]
        # Scaled down first (a JPEG is then decoded at a reduced size), turned upright after:
        # the box is square, so the order changes nothing but the memory used.
        picture.thumbnail((largest, largest))
        picture = ImageOps.exif_transpose(picture)
        picture, params = pixels_only(picture, kind)
        name = f"{secrets.token_hex(16)}.{FORMATS[kind]}"
        picture.save(upload_folder() / name, format=kind, **params)
        widths = save_widths(picture, name, kind, params)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("That file is not an image we can read.") from exc
    except PILImage.DecompressionBombError as exc:
        raise ImageError("That image is too large in pixels.") from exc
    image = Image(
        filename=name, width=picture.width, height=picture.height, widths=",".join(map(str, widths)),
        alt_text=alt_text.strip(), caption=caption.strip(), credit=credit.strip(),
        licence_name=licence_name.strip(), licence_url=licence_url.strip(),
        source_url=source_url.strip(),
    )
    db.session.add(image)
    return image


def read_header(data: bytes) -> PILImage.Image:
    """The upload opened lazily: format, mode and size come from its header, no pixel is decoded.

    `PILImage.open` would do the same and then hold the size against Pillow's process-wide
    `MAX_IMAGE_PIXELS` (a warning above it, DecompressionBombError above twice that), before
    our limit could refuse the image with its dimensions; so the opener Pillow registers for
    each format we accept is called directly.
    """
    PILImage.init()
    prefix = data[:16]
    for kind in FORMATS:
        opener, accept = PILImage.OPEN[kind]
        if accept is not None and accept(prefix) is True:
            return opener(BytesIO(data), "")
    if any(accept is not None and accept(prefix) is True for _, accept in PILImage.OPEN.values()):
        raise ImageError("Upload a JPEG, PNG, WebP or GIF image.")
    raise ImageError("That file is not an image we can read.")


def check_pixel_count(picture: PILImage.Image) -> None:
    """Refuse an image with more pixels than CMS_IMAGE_MAX_PIXELS (or than Pillow's own limit)."""
    limit = current_app.config["CMS_IMAGE_MAX_PIXELS"]
    if PILImage.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, PILImage.MAX_IMAGE_PIXELS)
    width, height = picture.size
    if width * height > limit:
        largest = (f"{limit / 1_000_000:,.1f}".removesuffix(".0") + " megapixels"
                   if limit >= 1_000_000 else f"{limit:,} pixels")
        raise ImageError(f"The image is {width:,} × {height:,} pixels; the largest accepted is {largest}.")


def pixels_only(picture: PILImage.Image, kind: str) -> tuple[PILImage.Image, dict[str, Any]]:
    """A new image made of the decoded pixels alone, and the parameters to save it with.

    Nothing of the upload's `info` (EXIF, XMP, comments, text chunks, colour profile, looping)
    reaches the stored file: only the pixels, the palette and which colour is transparent.
    An animated GIF or WebP keeps its first frame.
    """
    picture = in_srgb(picture, kind)
    if kind == "JPEG" and picture.mode not in {"RGB", "L"}:
        picture = picture.convert("RGB")
    clean = PILImage.frombytes(picture.mode, picture.size, picture.tobytes())
    if picture.mode == "P":
        palette_mode = picture.palette.mode if picture.palette else "RGB"
        clean.putpalette(picture.getpalette(palette_mode) or [], palette_mode)
    transparency = picture.info.get("transparency")
    if kind in {"PNG", "GIF"} and transparency is not None:
        return clean, {"transparency": transparency}
    return clean, {}


def in_srgb(picture: PILImage.Image, kind: str) -> PILImage.Image:
    """The pixels converted from the image's colour profile, if it has one, to sRGB.

    The profile itself is not stored (it is metadata, and may carry any text); an image
    without one is shown as sRGB, so converting keeps a wide-gamut (Display P3, Adobe RGB)
    or CMYK photo's colours. A grey or GIF palette image's profile is dropped, and so is one
    that cannot be read: the pixels are then taken as sRGB.
    """
    profile = picture.info.get("icc_profile")
    if not profile:
        return picture
    if kind == "PNG" and "transparency" in picture.info:
        picture = picture.convert("RGBA")  # the transparent colour survives as alpha
    elif kind == "PNG" and picture.mode == "P":
        picture = picture.convert("RGB")
    if picture.mode not in {"RGB", "RGBA", "CMYK"}:
        return picture
    try:
        converted = ImageCms.profileToProfile(
            picture, BytesIO(profile), SRGB, outputMode="RGBA" if picture.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return picture
    return converted if converted is not None else picture
