"""Lead images: checked with Pillow, re-encoded without metadata, stored under our names."""

from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from cms.articles.models import Image
from cms.extensions import db

# Pillow format name -> file extension we store it under.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class ImageError(ValueError):
    """An upload that is not an image we accept; the message is meant for people."""


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_image_file(filename: str) -> None:
    (upload_folder() / filename).unlink(missing_ok=True)


def store_image(stream: BinaryIO, *, alt_text: str, caption: str = "", credit: str = "",
                licence_name: str = "", licence_url: str = "", source_url: str = "") -> Image:
    """Check an upload and save it; EXIF (camera, place, time) is dropped by re-encoding."""
    limit = current_app.config["CMS_MAX_IMAGE_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageError(f"The image is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise ImageError("The image file is empty.")
    if not alt_text.strip():
        raise ImageError("Describe the image in the alternative text, for readers who cannot see it.")
    try:
        with PILImage.open(BytesIO(data)) as probe:
            probe.verify()
        picture = PILImage.open(BytesIO(data))
        kind = picture.format or ""
        if kind not in FORMATS:
            raise ImageError("Upload a JPEG, PNG, WebP or GIF image.")
        picture = ImageOps.exif_transpose(picture)
        largest = current_app.config["CMS_IMAGE_MAX_DIMENSION"]
        picture.thumbnail((largest, largest))
        if kind == "JPEG" and picture.mode not in {"RGB", "L"}:
            picture = picture.convert("RGB")
        name = f"{secrets.token_hex(16)}.{FORMATS[kind]}"
        picture.save(upload_folder() / name, format=kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("That file is not an image we can read.") from exc
    except PILImage.DecompressionBombError as exc:
        raise ImageError("That image is too large in pixels.") from exc
    image = Image(
        filename=name, width=picture.width, height=picture.height,
        alt_text=alt_text.strip(), caption=caption.strip(), credit=credit.strip(),
        licence_name=licence_name.strip(), licence_url=licence_url.strip(),
        source_url=source_url.strip(),
    )
    db.session.add(image)
    return image
