"""Account forms: field presence and lengths only; the rules live in the services."""

from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cms.forms import Form


class LoginForm(Form):
    """Its CSRF check is the view's: a signed form token, so that opening /login creates no
    session (only logging in does)."""

    class Meta:
        csrf = False

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    form_token = HiddenField()


class ProfileForm(Form):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                               description="Shown in bylines.")
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Current password", validators=[Length(max=1024)],
                             description="Needed only to change the e-mail address.")


class PasswordChangeForm(Form):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=1024)],
                        description="At least 12 characters; not one of the most common passwords.")
    repeat = PasswordField("New password again", validators=[DataRequired(), Length(max=1024)])


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token."""
