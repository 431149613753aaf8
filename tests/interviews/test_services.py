"""Interview rules through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles.models import Piece
from cms.extensions import db
from cms.interviews import services
from cms.interviews.models import Interview, Participant, ParticipantRole, Turn
from tests.interviews.conftest import TRANSCRIPT


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_creating_stores_transcript_participants_turns_and_full_html(ctx, make_user):
    writer = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(writer, pieces.PieceData(title="Blocked", body_source=TRANSCRIPT))
    assert isinstance(piece, Interview) and piece.body_source == TRANSCRIPT
    assert [(p.position, p.name, p.initials, p.role) for p in piece.participants] == [
        (0, "Dr. Jane Roe", "JR", ParticipantRole.INTERVIEWER),
        (1, "Иван Петров", "ИП", ParticipantRole.INTERVIEWEE),
        (2, "Mx. A. B. Okafor", "ABO", ParticipantRole.INTERVIEWEE),
    ]
    assert [(t.position, t.participant.initials) for t in piece.turns] == [
        (1, "JR"), (2, "ИП"), (3, "JR"), (4, "ABO"), (5, "ИП")]
    assert piece.turns[1].text_html == (
        '<p>В марте. Сначала мы подумали, что это сбой '
        '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">2</a></sup>.</p>\n'
        "<p>Then the readers wrote to us from three cities at once.</p>")
    page = str(piece.reader_html())
    assert '<div class="turn interviewee" id="turn-5">' in page
    assert '<li id="fn:block">' in page and '<li id="fn:block">' in piece.notes_html


@pytest.mark.parametrize("transcript", ["No turn here.", "JR: undeclared"])
def test_nothing_is_saved_when_the_transcript_has_an_error(ctx, make_user, transcript):
    writer = db.session.get(User, make_user("writer").id)
    with pytest.raises(services.ParseError):
        services.create_interview(writer, pieces.PieceData(title="Broken", body_source=transcript))
    db.session.rollback()
    assert (_count(Piece), _count(Participant), _count(Turn)) == (0, 0, 0)


def test_a_bad_new_transcript_leaves_the_saved_interview_as_it_was(ctx, make_user):
    writer = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(writer, pieces.PieceData(title="Kept", body_source=TRANSCRIPT))
    before = str(piece.reader_html())
    with pytest.raises(services.ParseError):
        services.update_interview(piece, writer, pieces.PieceData(
            title="Changed", body_source="JR: Who?"))
    db.session.rollback()
    piece = db.session.get(Piece, piece.id)
    assert (piece.title, piece.body_source, str(piece.reader_html())) == ("Kept", TRANSCRIPT, before)
    assert len(piece.turns) == 5


def test_writer_cannot_change_another_writers_interview(ctx, make_user):
    owner = db.session.get(User, make_user("writer").id)
    other = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(owner, pieces.PieceData(title="Mine", body_source=TRANSCRIPT))
    with pytest.raises(pieces.PermissionDenied):
        services.update_interview(piece, other, pieces.PieceData(
            title="Theirs", body_source="Eve (E): Mine now."))
    with pytest.raises(pieces.PermissionDenied):
        services.confirm_participants(piece, other, {"JR": services.ParticipantEdit("interviewee")})
    db.session.rollback()
    piece = db.session.get(Piece, piece.id)
    assert piece.title == "Mine" and piece.participants[0].role == ParticipantRole.INTERVIEWER
    editor = db.session.get(User, make_user("editor").id)
    services.update_interview(piece, editor, pieces.PieceData(title="Edited", body_source=TRANSCRIPT))
    assert piece.title == "Edited"


def test_moderators_cannot_write_interviews(ctx, make_user):
    moderator = db.session.get(User, make_user("moderator").id)
    with pytest.raises(pieces.PermissionDenied):
        services.create_interview(moderator, pieces.PieceData(title="No", body_source=TRANSCRIPT))


def test_confirmed_roles_and_bios_survive_saving_the_transcript_again(ctx, make_user):
    writer = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(writer, pieces.PieceData(title="Roles", body_source=TRANSCRIPT))
    services.confirm_participants(piece, writer, {
        "JR": services.ParticipantEdit("interviewer", "Editor of a regional weekly."),
        "ABO": services.ParticipantEdit("interviewer", "  Trainer.  "),
    })
    assert '<div class="turn interviewer" id="turn-4">' in piece.reader_html()
    assert '<dd class="bio">Editor of a regional weekly.</dd>' in piece.reader_html()
    changed = TRANSCRIPT.replace("ИП: И продолжали писать.", "ИП: И продолжали писать.\n\n"
                                 "New Voice (NV): One more.")
    services.update_interview(piece, writer, pieces.PieceData(title="Roles", body_source=changed))
    roles = {p.initials: (str(p.role), p.bio) for p in piece.participants}
    assert roles == {"JR": ("interviewer", "Editor of a regional weekly."),
                     "ИП": ("interviewee", ""), "ABO": ("interviewer", "Trainer."),
                     "NV": ("interviewee", "")}
    assert len(piece.turns) == 6 and piece.body_source == changed
    assert '<div class="turn interviewer" id="turn-4">' in piece.reader_html()


def test_a_speaker_dropped_from_the_transcript_is_removed(ctx, make_user):
    writer = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(writer, pieces.PieceData(title="Cut", body_source=TRANSCRIPT))
    shorter = TRANSCRIPT.replace("Mx. A. B. Okafor (ABO): We published mirrors and a feed.\n\n", "")
    services.update_interview(piece, writer, pieces.PieceData(title="Cut", body_source=shorter))
    assert [p.initials for p in piece.participants] == ["JR", "ИП"]
    assert _count(Participant) == 2 and _count(Turn) == 4


def test_stored_interview_exports_to_text_that_imports_the_same(ctx, make_user):
    writer = db.session.get(User, make_user("writer").id)
    piece = services.create_interview(writer, pieces.PieceData(title="Out", body_source=TRANSCRIPT))
    services.confirm_participants(piece, writer, {"ABO": services.ParticipantEdit("interviewer")})
    text = services.export_transcript(piece)
    assert "Mx. A. B. Okafor (ABO, interviewer): We published" in text
    again = services.create_interview(writer, pieces.PieceData(title="In", body_source=text))
    assert ([(p.name, p.initials, p.role) for p in again.participants]
            == [(p.name, p.initials, p.role) for p in piece.participants])
    assert ([(t.participant.initials, t.text_source, t.text_html) for t in again.turns]
            == [(t.participant.initials, t.text_source, t.text_html) for t in piece.turns])
