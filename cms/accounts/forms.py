"""Login form: field presence and lengths only."""

from wtforms import EmailField, HiddenField, PasswordField
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
