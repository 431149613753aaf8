"""Interview participants and their turns, under a piece of kind interview."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cms.accounts.models import enum_column
from cms.articles.models import Piece
from cms.extensions import db


class ParticipantRole(enum.StrEnum):
    INTERVIEWER = "interviewer"
    INTERVIEWEE = "interviewee"


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("piece_id", "initials"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # order of first appearance
    name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(8))
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole, "role"))
    bio: Mapped[str] = mapped_column(Text, default="")

    piece: Mapped[Piece] = relationship(
        backref=db.backref("participants", order_by="Participant.position",
                           cascade="all, delete-orphan", lazy="selectin")
    )


class Turn(db.Model):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("piece_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("pieces.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1, 2, 3...: the anchor #turn-N
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    text_source: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)

    participant: Mapped[Participant] = relationship(lazy="joined")
    piece: Mapped[Piece] = relationship(
        backref=db.backref("turns", order_by="Turn.position",
                           cascade="all, delete-orphan", lazy="selectin")
    )
