"""What a shared link shows (sharing cards) and what search engines read: a page's description,
a piece's image in each stored width. Everything is on our own host: no card needs another."""

from __future__ import annotations

from flask import Flask, current_app, url_for

from cms.articles.models import Image, Piece
from cms.links import external_url
from cms.textformat import html_to_text

DESCRIPTION_LENGTH = 200
# The lead image's width on the page: the body's column (46rem less 1rem padding each side),
# the screen less that padding on narrower screens. static/style.css sets both.
LEAD_IMAGE_SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` on one line, cut at a word before `limit` characters (with an ellipsis)."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit - 1]
    if words[limit - 1] != " " and " " in cut:  # the cut fell inside a word: leave it out
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def piece_description(piece: Piece) -> str:
    """The standfirst, else the start of the introduction or body, else of the first turn."""
    if piece.standfirst.strip():
        return shorten(piece.standfirst)
    text = html_to_text(piece.body_html or "").strip()
    if not text:
        turns = piece.search_text().turns
        text = turns[0][1] if turns else ""
    return shorten(text)


def site_description() -> str:
    """CMS_SITE_DESCRIPTION, or a sentence made from the site's name."""
    given = current_app.config.get("CMS_SITE_DESCRIPTION")
    if given:
        return shorten(given)
    return f"Articles and interviews from {current_app.config['CMS_SITE_NAME']}."


def image_srcset(image: Image) -> str:
    """Every stored width of an image, for `<img srcset>`: the browser picks the one it needs."""
    return ", ".join(f"{url_for('articles.media', filename=name)} {width}w"
                     for name, width in image.sources)


def init_app(app: Flask) -> None:
    app.add_template_global(piece_description)
    app.add_template_global(site_description)
    app.add_template_global(image_srcset)
    app.add_template_global(external_url)
    app.jinja_env.globals["LEAD_IMAGE_SIZES"] = LEAD_IMAGE_SIZES
