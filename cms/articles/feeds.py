"""Atom feeds of published pieces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from feedgen.feed import FeedGenerator
from flask import url_for

from cms.articles.models import Piece
from cms.database import utcnow
from cms.links import external_url
from cms.rules import accepted_text


class Addressable(Protocol):
    kind: str
    slug: str


def piece_url(piece: Piece | Addressable, external: bool = False) -> str:
    """The public address of a piece (or of a search hit): each kind is shown by its own page."""
    kind = type(piece) if isinstance(piece, Piece) else Piece.kind_named(piece.kind)
    if kind is None:
        raise ValueError(f"no kind of piece is called {piece.kind!r}")
    if external:
        return external_url(kind.public_endpoint, slug=piece.slug)
    return url_for(kind.public_endpoint, slug=piece.slug)


def atom_feed(title: str, self_url: str, page_url: str, pieces: Iterable[Piece],
              empty_since: datetime | None = None) -> bytes:
    """An Atom document for `pieces` (newest first), each entry carrying its full HTML; a feed
    with no entry was last updated `empty_since` (a campaign's creation: the same bytes at every
    request, so a mirror's copy is not rewritten), or now.

    Text goes through accepted_text: a character XML forbids, saved before the forms dropped
    them, must not break the feed."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(accepted_text(title))
    feed.link(href=page_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("en")
    entries = list(pieces)
    newest = max((p.updated_at for p in entries), default=empty_since or utcnow())
    feed.updated(newest.replace(tzinfo=UTC))
    for piece in reversed(entries):  # feedgen prepends: add oldest first
        url = piece_url(piece, external=True)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(accepted_text(piece.title))
        entry.link(href=url, rel="alternate")
        authors = piece.byline_names()  # the credited people, never the account that saved
        for name in authors:
            entry.author(name=accepted_text(name))
        for credit in piece.credits:  # translators, photographers: Atom's contributors
            if credit.contributor.name not in authors:
                entry.contributor(name=accepted_text(credit.contributor.name))
        entry.published(piece.published_at.replace(tzinfo=UTC))  # type: ignore[union-attr]
        entry.updated(piece.updated_at.replace(tzinfo=UTC))
        if piece.standfirst:
            entry.summary(accepted_text(piece.standfirst))
        entry.content(accepted_text(str(piece.reader_html())), type="html")
        for tag in piece.tags:
            entry.category(term=tag.slug, label=accepted_text(tag.name))
    return feed.atom_str(pretty=True)
