"""Slugs: the readable, transliterated part of an address, unique within one table."""

from __future__ import annotations

from typing import Any

from slugify import slugify
from sqlalchemy import select

from cms.extensions import db

SLUG_MAX = 200
# Letters the transliteration table does not know (Azerbaijani schwa).
SLUG_REPLACEMENTS = [["Ə", "A"], ["ə", "a"]]


def make_slug(text: str, fallback: str = "piece") -> str:
    """A URL slug from any script: 'Свобода слова' -> 'svoboda-slova'."""
    return slugify(text, max_length=SLUG_MAX, word_boundary=True,
                   replacements=SLUG_REPLACEMENTS) or fallback


def slug_taken(model: Any, slug: str, exclude_id: int | None = None) -> bool:
    """Whether a row of `model` (a mapped class with `id` and `slug`) has this slug."""
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def unique_slug(base: str, model: Any, exclude_id: int | None = None) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet in `model`'s table."""
    candidate, number = base, 1
    while slug_taken(model, candidate, exclude_id):
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
    return candidate
