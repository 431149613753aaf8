"""Login form: field presence and lengths only."""

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from cms.forms import Form


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
