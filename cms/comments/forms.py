"""Comment and moderation forms: field types and lengths only; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from cms.comments.services import BODY_MAX, EMAIL_MAX, NAME_MAX
from cms.forms import Form
from cms.textformat import normalize_newlines

# Shown under the comment box, line by line, exactly (in English; translated in the others).
COMMENT_HELP = (_l("Plain text"), _l("Lines and paragraphs break automatically."),
                _l("Allowed HTML tags: <br> <p>"))


def _newlines(value: str | None) -> str | None:
    """Browsers send CRLF; count a line break as one character."""
    return normalize_newlines(value) if value is not None else None


class CommentForm(Form):
    """The comment form. Its CSRF check is the view's: the form token, or the session's."""

    class Meta:
        csrf = False

    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Your name is required.")),
        Length(max=NAME_MAX, message=_l("Your name may have at most %(max)s characters."))])
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=EMAIL_MAX, message=_l(
                        "The email address may have at most %(max)s characters.")),
                    Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("This is not an email address."))],
        description=_l("Never shown publicly; only moderators see it."),
    )
    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(message=_l("The comment is empty.")),
                    Length(max=BODY_MAX, message=_l("The comment may have at most %(max)s characters."))],
        filters=[_newlines],
    )
    reply_to = HiddenField()
    # Left empty by people; bots fill every field they find.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    form_token = HiddenField()


class BlockedWordsForm(Form):
    words = TextAreaField(
        "Blocked words",
        validators=[Length(max=20_000)],
        description=("One word or phrase per line, matched as whole words in any case, with or "
                     "without accents (“ass” does not match “embassy”). End it with * to match "
                     "every word that begins so (“embass*”). A comment containing one goes "
                     "straight to spam."),
    )
