"""Rules for interviews: saving a transcript, confirming who is who, exporting, finding.

Saving, publishing and the rest are the rules of every piece (cms.articles.services);
the interview itself knows how to turn its transcript into participants and turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, select

from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles.models import Piece
from cms.database import utcnow
from cms.extensions import db
from cms.interviews import transcript as fmt
from cms.interviews.models import Interview, ParticipantRole
from cms.permissions import Action, require

ParseError = fmt.ParseError


@dataclass
class ParticipantEdit:
    """What the writer confirms about a participant after parsing."""

    role: str
    bio: str = ""


def create_interview(author: User, data: pieces.PieceData) -> Interview:
    """A new draft interview from the transcript in `data.body_source`; nothing is saved
    when the transcript has an error (ParseError) or the piece breaks a rule (PieceError)."""
    piece = pieces.create_piece(author, data, Interview)
    assert isinstance(piece, Interview)
    return piece


def update_interview(piece: Interview, user: User, data: pieces.PieceData,
                     base: int | None = None) -> Interview:
    """Save a changed transcript and fields as a new revision (a published interview keeps
    what readers see until "Publish changes"); confirmed roles and bios are kept."""
    pieces.update_piece(piece, user, data, base=base)
    return piece


def confirm_participants(piece: Interview, user: User, edits: dict[str, ParticipantEdit]) -> Interview:
    """Set the roles and bios the writer confirmed, by initials."""
    require(user, Action.EDIT_PIECE, piece)
    for participant in piece.participants:
        edit = edits.get(participant.initials)
        if edit is None:
            continue
        participant.role = ParticipantRole(edit.role)
        participant.bio = edit.bio.strip()
    piece.updated_at = utcnow()
    db.session.commit()
    return piece


# What the end of a pasted page looks like when it came along with the transcript.
PAGE_CREDITS = re.compile(
    r"image credit|photo(?:graph)? credit|this (?:article|interview|piece) is part of|"
    r"licen[cs]ed under|creative commons|\bCC[ -]BY\b|all rights reserved|©", re.IGNORECASE)


def credits_in_last_turn(parsed: fmt.Transcript) -> str:
    """The words that make the last turn look like page credits, or ""."""
    if not parsed.turns:
        return ""
    found = PAGE_CREDITS.search(parsed.turns[-1].text)
    return found.group(0) if found else ""


def export_transcript(piece: Interview) -> str:
    """The transcript text of a stored interview, for `interviews export`."""
    return fmt.export(piece.transcript())


# --- Reading ---------------------------------------------------------------------------------


def public_interviews() -> Select[tuple[Piece]]:
    """Published, due interviews, newest first."""
    return pieces.public_pieces(kind=Interview)


def public_interview(slug: str) -> Interview | None:
    found = pieces.public_piece(slug, Interview)
    return found if isinstance(found, Interview) else None


def interview_by_slug(slug: str) -> Interview | None:
    return db.session.scalar(select(Interview).where(Interview.slug == slug))
