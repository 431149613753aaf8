"""The interview: a kind of piece whose body is a transcript, kept as participants and turns.

The transcript text is the source of truth (`body_source`); from it the interview derives
its participants, its turns with their HTML, the HTML of its introduction (`body_html`)
and of its footnotes (`notes_html`). The page around them (who is who, speaker labels) is
rendered from those parts when shown, so a template change needs no re-save.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.articles.models import Passage, Piece, PieceKind, PiecePart, SearchText, passages_of
from cms.database import enum_column
from cms.extensions import db
from cms.interviews import transcript as fmt
from cms.rules import clean_name
from cms.textformat import html_to_text, interview_to_html, set_apart


class ParticipantRole(enum.StrEnum):
    INTERVIEWER = "interviewer"
    INTERVIEWEE = "interviewee"


class Interview(Piece):
    __mapper_args__: ClassVar[dict] = {"polymorphic_identity": PieceKind.INTERVIEW}  # type: ignore[type-arg]

    template = "interviews/piece.html"
    public_endpoint = "interviews.show"
    desk_endpoint = "interview_desk.edit"
    noun = "interview"
    label = _l("Interview")
    plural = _l("Interviews")
    list_label = label

    # The footnotes of every turn, rendered together (a column of the pieces table, empty
    # for other kinds).
    notes_html: Mapped[str | None] = mapped_column(Text)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="piece", order_by="Participant.position", cascade="all, delete-orphan",
        lazy="selectin",
    )
    turns: Mapped[list[Turn]] = relationship(
        back_populates="piece", order_by="Turn.position", cascade="all, delete-orphan",
        lazy="selectin",
    )

    @classmethod
    def check_source(cls, source: str) -> None:
        fmt.parse(source)  # raises ParseError, naming the line

    def render_body(self) -> None:
        """Participants and turns from the transcript; roles and bios confirmed on the desk
        are kept (participants are matched by their initials)."""
        parsed = fmt.parse(self.body_source)
        existing = {p.initials: p for p in self.participants}
        self.turns.clear()
        db.session.flush()  # free the turn positions before the new turns take them
        kept: list[Participant] = []
        for position, speaker in enumerate(parsed.speakers):
            participant = existing.pop(speaker.initials, None)
            if participant is None:
                participant = Participant(initials=speaker.initials, role=ParticipantRole(speaker.role))
            elif speaker.explicit_role:
                participant.role = ParticipantRole(speaker.role)
            participant.name = clean_name(speaker.name)
            participant.position = position
            kept.append(participant)
        self.participants[:] = kept
        db.session.flush()
        by_initials = {p.initials: p for p in kept}
        htmls, notes = interview_to_html(
            [parsed.introduction, *(t.text for t in parsed.turns)], parsed.footnotes)
        for position, (said, html) in enumerate(zip(parsed.turns, htmls[1:], strict=True), start=1):
            self.turns.append(Turn(position=position, participant=by_initials[said.initials],
                                   text_source=said.text, text_html=html))
        self.body_html = htmls[0]
        self.notes_html = notes

    def take_confirmations_from(self, other: Piece) -> None:
        """A translation keeps the original's confirmed roles and bios, speaker by speaker."""
        if isinstance(other, Interview):
            confirmed = {p.initials: p for p in other.participants}
            for participant in self.participants:
                if participant.initials in confirmed:
                    participant.role = confirmed[participant.initials].role
                    participant.bio = confirmed[participant.initials].bio

    def copy_parts_from(self, other: Piece) -> None:
        """Confirmed roles and bios carry over to an unsaved copy, as they do on a save."""
        if isinstance(other, Interview):
            self.participants = [Participant(initials=p.initials, name=p.name, role=p.role,
                                             bio=p.bio, position=p.position)
                                 for p in other.participants]

    def reader_html(self) -> Markup:
        """Introduction, who is who, every turn with its speaker, the notes."""
        seen: set[str] = set()
        turns: list[dict[str, Any]] = []
        for turn in self.turns:
            participant = turn.participant
            interviewer = participant.role == ParticipantRole.INTERVIEWER
            turns.append({
                "position": turn.position,
                "participant": participant,
                "interviewer": interviewer,
                "first": participant.initials not in seen,
                "html": Markup(set_apart(turn.text_html) if interviewer else turn.text_html),
            })
            seen.add(participant.initials)
        return Markup(render_template(
            "interviews/_body.html", introduction=Markup(self.body_html or ""),
            participants=self.participants, turns=turns, footnotes=Markup(self.notes_html or ""),
        ).strip())

    def search_text(self) -> SearchText:
        """The introduction, each turn with its speaker and anchor, the notes (which link
        to their own ids; the introduction's paragraphs have none)."""
        turns = tuple(Passage(html_to_text(turn.text_html), f"turn-{turn.position}",
                              turn.participant.name) for turn in self.turns)
        return SearchText(
            passages=(*passages_of(self.body_html or "", numbered=False), *turns,
                      *passages_of(self.notes_html or "", numbered=False)),
            speakers=tuple(p.name for p in self.participants),
        )

    def transcript(self) -> fmt.Transcript:
        """The stored interview as a transcript, with the roles confirmed on the desk."""
        parsed = fmt.parse(self.body_source)
        parsed.speakers = [fmt.Speaker(name=p.name, initials=p.initials, role=str(p.role))
                           for p in self.participants]
        parsed.turns = [fmt.TurnText(initials=t.participant.initials, text=t.text_source)
                        for t in self.turns]
        return parsed


class Participant(PiecePart, db.Model):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("piece_id", "initials"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # order of first appearance
    name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(8))
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole, "role"))
    bio: Mapped[str] = mapped_column(Text, default="")

    piece: Mapped[Interview] = relationship(back_populates="participants")


class Turn(PiecePart, db.Model):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("piece_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1, 2, 3...: the anchor #turn-N
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    text_source: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)

    participant: Mapped[Participant] = relationship(lazy="joined")
    piece: Mapped[Interview] = relationship(back_populates="turns")
