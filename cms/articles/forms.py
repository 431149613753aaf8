"""Desk forms: field types and lengths only; the rules live in the services."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from cms.forms import Form


class LanguageField(SelectField):
    """A language from the site's list (the view sets the choices)."""

    def pre_validate(self, form: object) -> None:
        if self.data not in {value for value, _label in self.choices or []}:
            raise ValidationError("Choose a language from the list.")


def split_names(text: str | None) -> list[str]:
    """Comma-separated tag names from a text field."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


class PieceForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        "Address (slug)",
        validators=[Optional(), Length(max=200)],
        description="Leave empty to make one from the title.",
    )
    standfirst = TextAreaField("Standfirst", validators=[Length(max=2000)])
    bylines = TextAreaField(
        "Bylines", validators=[Length(max=4000)],
        description="Who readers are told made it, one person per line: “Zooey Schock”, or with "
        "a role: “Anna Petrova (translator)”, “(interviewer)”, “(photographer)”. Empty: your name.",
    )
    body_source = TextAreaField(
        "Body",  # its size limit (CMS_BODY_MAX_CHARS) is a rule of the services
        description="Markdown: ## headings, *emphasis*, [links](https://…), footnotes[^1] "
        "with [^1]: the note at the end, and tables.",
    )
    campaign_id = SelectField("Campaign", coerce=str, validators=[Optional()])
    language = LanguageField("Language", default="en", validators=[DataRequired()],
                           description="The language the text is written in.")
    topics = StringField("Topics", validators=[Length(max=1000)], description="Separated by commas.")
    countries = StringField("Countries", validators=[Length(max=1000)], description="Separated by commas.")
    comments_open = BooleanField("Comments open", default=True)

    image = FileField("Lead image", description="JPEG, PNG, WebP or GIF.")
    image_alt = StringField("Alternative text", validators=[Length(max=500)])
    image_caption = StringField("Caption", validators=[Length(max=500)])
    image_credit = StringField("Credit", validators=[Length(max=200)])
    image_licence_name = StringField(
        "Licence", validators=[Length(max=100)], description="For example CC BY-SA 3.0."
    )
    image_licence_url = URLField("Licence address", validators=[Optional(), URL(), Length(max=500)])
    image_source_url = URLField("Source address", validators=[Optional(), URL(), Length(max=500)])
    remove_image = BooleanField("Remove the lead image")
    # An upload stored while another field was refused: "<image id>:<signed token>".
    kept_image = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=500)])
    up_to_date = BooleanField("This translation now follows the original's latest version",
                              description="Tick it once the changes to the original are translated.")
    note = StringField("Note about this change", validators=[Length(max=200)],
                       description="Optional: what this save changes, for the list of revisions.")
    # The revision this form started from: a save over a newer one is refused.
    base_revision = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=20)])


class PublishForm(Form):
    publish_at = DateTimeLocalField(
        "Publish at",
        validators=[Optional()],
        description="Leave empty to publish now; a later time schedules the piece.",
    )
    unpublish_at = DateTimeLocalField(
        "Unpublish at",
        validators=[Optional()],
        # Shown again as typed: the first format is how the value is written into the field.
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        description="Optional: from this time readers no longer see the piece (pages, feeds, "
        "search). Leave empty to keep it on the site.",
    )


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token: publish, unpublish, delete."""



class ContributorForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    bio = TextAreaField("Short bio", validators=[Length(max=2000)],
                        description="Shown on their page, under their name.")
    link = URLField("Link", validators=[Optional(), URL(), Length(max=500)],
                    description="Optional: their own site or profile.")
