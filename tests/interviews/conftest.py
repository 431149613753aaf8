"""Transcripts written for these tests, and a factory for stored interviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from cms.accounts.models import Role, User
from cms.articles import services as pieces
from cms.database import utcnow
from cms.extensions import db
from cms.interviews import services
from cms.interviews.models import Interview

# Three speakers, a titled name with dots, Cyrillic text and initials, a multi-paragraph
# answer, and both footnote styles.
TRANSCRIPT = """\
We met the two defenders in a borrowed office, between two court hearings.

This conversation was shortened for clarity.

Dr. Jane Roe (JR): When did you first notice that the site was blocked?[^block]

Иван Петров (ИП): В марте. Сначала мы подумали, что это сбой (1).

Then the readers wrote to us from three cities at once.

(1) The provider called it "maintenance" for nine days.

JR: And what did you do?

Mx. A. B. Okafor (ABO): We published mirrors and a feed.

ИП: И продолжали писать.

[^block]: Blocking orders are rarely published.
"""


@pytest.fixture
def make_interview(app: Flask, make_user: Callable[..., User]) -> Callable[..., Interview]:
    """An interview by `author` (a new writer by default), published an hour ago unless told."""

    def make(title: str = "An interview", transcript: str = TRANSCRIPT, *,
             author: User | None = None, publish: bool = True, **fields: Any) -> Interview:
        author = author or make_user(Role.WRITER)
        with app.app_context():
            writer = db.session.get(User, author.id)
            piece = services.create_interview(
                writer, pieces.PieceData(title=title, body_source=transcript, **fields))
            if publish:
                pieces.publish(piece, writer, utcnow() - timedelta(hours=1))
            db.session.refresh(piece)
            piece_id = piece.id
            slug = piece.slug
        return Interview(id=piece_id, slug=slug, title=title)

    return make
