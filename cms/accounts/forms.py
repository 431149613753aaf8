"""Account forms: field presence and lengths only; the rules live in the services."""

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from cms.forms import Form
from cms.permissions import Role


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


class ResetRequestForm(Form):
    """Asking for a password link by e-mail. Like the login form, its CSRF check is the view's
    signed form token: nobody asking has a session."""

    class Meta:
        csrf = False

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    form_token = HiddenField()


class NewPasswordForm(Form):
    """Choosing a password through a reset link (no session either: a signed form token)."""

    class Meta:
        csrf = False

    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)],
                             description="At least 12 characters; not one of the most common passwords.",
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("New password again", validators=[DataRequired(), Length(max=1024)],
                           render_kw={"autocomplete": "new-password"})
    form_token = HiddenField()


ROLE_CHOICES = [SelectChoice(role.value, role.value.title()) for role in Role]


class NewUserForm(Form):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                               description="Shown in bylines.")
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.WRITER.value)


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)
