"""Rules for interviews: a piece whose body is a transcript, stored as participants and turns.

The transcript text is the source of truth (piece.body_source); participants, turns and
the complete HTML (piece.body_html, shown by the page, the preview and the feeds) are
derived from it. Roles and bios confirmed on the desk survive re-saving the transcript:
participants are matched by their initials.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from sqlalchemy import Select, select

from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles.models import Piece, PieceKind
from cms.extensions import db
from cms.interviews import transcript as fmt
from cms.interviews.models import Participant, ParticipantRole, Turn
from cms.textformat import interview_to_html, set_apart

ParseError = fmt.ParseError


@dataclass
class ParticipantEdit:
    """What the writer confirms about a participant after parsing."""

    role: str
    bio: str = ""


def create_interview(author: User, data: pieces.PieceData) -> Piece:
    """A new draft interview from the transcript in `data.body_source`; nothing is saved
    when the transcript has an error (ParseError) or the piece breaks a rule (PieceError)."""
    if not pieces.can_write(author):
        raise pieces.PermissionDenied("only writers, editors and admins write pieces")
    parsed = fmt.parse(data.body_source)
    return pieces.create_piece(author, data, kind=PieceKind.INTERVIEW,
                               render=lambda piece: _store(piece, parsed))


def update_interview(piece: Piece, user: User, data: pieces.PieceData) -> Piece:
    """Save a changed transcript and fields; confirmed roles and bios are kept."""
    pieces.require_edit(piece, user)
    parsed = fmt.parse(data.body_source)
    return pieces.update_piece(piece, user, data, render=lambda piece: _store(piece, parsed))


def confirm_participants(piece: Piece, user: User, edits: dict[str, ParticipantEdit]) -> Piece:
    """Set roles and bios of the participants, by initials, and render the interview again."""
    pieces.require_edit(piece, user)
    for participant in piece.participants:
        edit = edits.get(participant.initials)
        if edit is None:
            continue
        participant.role = ParticipantRole(edit.role)
        participant.bio = edit.bio.strip()
    parsed = fmt.parse(piece.body_source)
    htmls, notes = _render_parts(parsed)
    piece.body_html = _compose(piece, htmls[0], notes)
    db.session.commit()
    return piece


def _store(piece: Piece, parsed: fmt.Transcript) -> None:
    """Participants and turns of `parsed` under `piece`, and the complete HTML."""
    existing = {p.initials: p for p in piece.participants}
    piece.turns.clear()
    db.session.flush()  # free the turn positions before the new turns take them
    kept: list[Participant] = []
    for position, speaker in enumerate(parsed.speakers):
        participant = existing.pop(speaker.initials, None)
        if participant is None:
            participant = Participant(initials=speaker.initials, role=ParticipantRole(speaker.role))
        elif speaker.explicit_role:
            participant.role = ParticipantRole(speaker.role)
        participant.name = speaker.name
        participant.position = position
        kept.append(participant)
    piece.participants[:] = kept
    db.session.flush()
    by_initials = {p.initials: p for p in kept}
    htmls, notes = _render_parts(parsed)
    for position, (said, html) in enumerate(zip(parsed.turns, htmls[1:], strict=True), start=1):
        piece.turns.append(Turn(position=position, participant=by_initials[said.initials],
                                text_source=said.text, text_html=html))
    db.session.flush()
    piece.body_html = _compose(piece, htmls[0], notes)


def _render_parts(parsed: fmt.Transcript) -> tuple[list[str], str]:
    """HTML of the introduction and of each turn, and of the footnotes they link to."""
    return interview_to_html(
        [parsed.introduction, *(t.text for t in parsed.turns)], parsed.footnotes
    )


def _compose(piece: Piece, introduction: str, notes: str) -> str:
    """The whole interview as HTML: introduction, participants, turns, footnotes."""
    seen: set[int] = set()
    turns = []
    for turn in piece.turns:
        participant = turn.participant
        interviewer = participant.role == ParticipantRole.INTERVIEWER
        turns.append({
            "position": turn.position,
            "participant": participant,
            "interviewer": interviewer,
            "first": participant.id not in seen,
            "html": Markup(set_apart(turn.text_html) if interviewer else turn.text_html),
        })
        seen.add(participant.id)
    return render_template(
        "interviews/_body.html", piece=piece, introduction=Markup(introduction),
        participants=piece.participants, turns=turns, footnotes=Markup(notes),
    ).strip()


def as_transcript(piece: Piece) -> fmt.Transcript:
    """A stored interview as a transcript, with the roles confirmed on the desk."""
    parsed = fmt.parse(piece.body_source)
    parsed.speakers = [
        fmt.Speaker(name=p.name, initials=p.initials, role=str(p.role)) for p in piece.participants
    ]
    parsed.turns = [fmt.TurnText(initials=t.participant.initials, text=t.text_source)
                    for t in piece.turns]
    return parsed


def export_transcript(piece: Piece) -> str:
    """The transcript text of a stored interview, for `interviews export`."""
    return fmt.export(as_transcript(piece))


# --- Reading ---------------------------------------------------------------------------------


def public_interviews() -> Select[tuple[Piece]]:
    """Published, due interviews, newest first."""
    return pieces.public_pieces().where(Piece.kind == PieceKind.INTERVIEW)


def public_interview(slug: str) -> Piece | None:
    return pieces.public_piece(slug, PieceKind.INTERVIEW)


def interview_by_slug(slug: str) -> Piece | None:
    return db.session.scalar(
        select(Piece).where(Piece.slug == slug, Piece.kind == PieceKind.INTERVIEW)
    )
