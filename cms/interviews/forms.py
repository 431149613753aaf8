"""Desk forms for interviews: field types and lengths only; the rules live in the services."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from cms.articles.forms import PieceForm
from cms.forms import Form
from cms.interviews.models import Participant, ParticipantRole

TRANSCRIPT_HELP = (
    "Introduction first, then one paragraph per turn: “Full Name (XX): …” the first time a "
    "speaker talks, “XX: …” after that. A paragraph without a label continues the turn. "
    "Footnotes: [^1] in a turn and “[^1]: the note” after the last turn, or (1) and a final "
    "paragraph “(1) the note”. The first speaker is the interviewer."
)


class InterviewForm(PieceForm):
    """The common piece fields; the body is the transcript."""

    keep_last_turn = BooleanField("Keep the last turn as it is",
                                  description="It is part of the interview, not the page's credits.")

    body_source = TextAreaField(
        "Transcript",
        validators=[DataRequired(message="Paste or write the transcript.")],  # size: the service
        description=TRANSCRIPT_HELP,
    )


class ParticipantsForm(Form):
    """Role and short bio of each participant; fields are added per interview."""


def participants_form(participants: Sequence[Participant]) -> ParticipantsForm:
    """A form with `role_N` and `bio_N` for the participant at position N."""

    class Form(ParticipantsForm):
        pass

    choices = [SelectChoice(role.value, role.value.capitalize()) for role in ParticipantRole]
    for participant in participants:
        setattr(Form, f"role_{participant.position}", SelectField(
            f"Role of {participant.name}", choices=choices, default=participant.role.value,
            validators=[DataRequired()],
        ))
        setattr(Form, f"bio_{participant.position}", TextAreaField(
            f"Short bio of {participant.name}", default=participant.bio,
            validators=[Length(max=2000)],
        ))
    return Form()
