"""What the index holds of a piece: a plain, engine-neutral document built from the database.

The text comes from the piece's own `search_text()` (its writers' words, turn by turn for
an interview), never from the page around it: a template change needs no re-index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cms.articles.models import InPassages, Passage, Piece, PieceStatus


@dataclass(frozen=True)
class SearchDocument(InPassages):
    """One published (possibly scheduled) piece, as plain text."""

    id: int
    kind: str
    slug: str
    title: str
    language: str
    published_at: datetime
    standfirst: str = ""
    passages: tuple[Passage, ...] = ()  # the body (and turns), in reading order
    tags: tuple[tuple[str, str], ...] = ()  # (slug, name)
    campaign_id: int | None = None
    campaign_title: str = ""
    speakers: tuple[str, ...] = field(default=())
    unpublish_at: datetime | None = None  # its end date: not found from then on
    original_id: int | None = None  # a translation: its story's original (one hit per story)

    @property
    def text(self) -> str:
        """Every word of the piece but its tags: title, standfirst, body and turns."""
        return "\n".join([self.title, self.standfirst, *(p.text for p in self.passages)])

    def snippet_passages(self) -> tuple[Passage, ...]:
        """What a snippet is chosen from: the standfirst (at the top of the page), then the body."""
        head = (Passage(self.standfirst),) if self.standfirst else ()
        return (*head, *self.passages)


def is_indexable(piece: Piece) -> bool:
    """Published pieces are indexed, scheduled ones and those past their end date too: the
    search filters them by date. A piece in the trash is not (removed when trashed, added back
    when restored)."""
    return (piece.status == PieceStatus.PUBLISHED and piece.published_at is not None
            and piece.trashed_at is None)


def document_for(piece: Piece) -> SearchDocument:
    text = piece.search_text()
    assert piece.published_at is not None
    return SearchDocument(
        id=piece.id,
        kind=str(piece.kind),
        slug=piece.slug,
        title=piece.title,
        language=piece.language or "en",
        published_at=piece.published_at,
        standfirst=piece.standfirst or "",
        passages=text.passages,
        tags=tuple((tag.slug, tag.name) for tag in piece.tags),
        campaign_id=piece.campaign_id,
        campaign_title=piece.campaign.title if piece.campaign else "",
        speakers=text.speakers,
        unpublish_at=piece.unpublish_at,
        original_id=piece.original_id,
    )


def load_documents(session: Session, piece_ids: Iterable[int]) -> dict[int, SearchDocument | None]:
    """The current document of each piece; None where it is gone or not published. Read from
    the database even for pieces the session holds (a deleted campaign or tag changed them
    there, not in the session)."""
    wanted = sorted(set(piece_ids))
    found: dict[int, SearchDocument | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        query = select(Piece).where(Piece.id.in_(chunk)).execution_options(populate_existing=True)
        for piece in session.scalars(query):
            found[piece.id] = document_for(piece) if is_indexable(piece) else None
    return found


def all_documents(session: Session, batch: int = 200) -> Iterator[SearchDocument]:
    """Every indexable piece, a batch at a time, for a rebuild."""
    last = 0
    while True:
        rows = list(session.scalars(
            select(Piece)
            .where(Piece.status == PieceStatus.PUBLISHED, Piece.published_at.is_not(None),
                   Piece.trashed_at.is_(None), Piece.id > last)
            .order_by(Piece.id).limit(batch)
        ))
        if not rows:
            return
        for piece in rows:
            yield document_for(piece)
        last = rows[-1].id
        session.expunge_all()
