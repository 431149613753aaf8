"""The campaign form: field types and lengths only; the rules live in the services."""

from __future__ import annotations

from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from cms.forms import Form


class CampaignForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Address (slug)", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    attribution = StringField(
        "Attribution line",
        validators=[Length(max=500)],
        description="Shown under every piece, e.g. “This article is part of the X campaign, financed "
        "by Y.” A line that starts “This article” or “This piece” names each piece's kind: "
        "“This interview is part of…” under an interview.",
    )
    licence_name = StringField("Default licence", validators=[Length(max=100)])
    licence_url = URLField("Licence address", validators=[Optional(), URL(), Length(max=500)])
