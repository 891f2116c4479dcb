"""Forms of the staff pages (Flask-WTF, so every one carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.services import MAX_PASSWORD_LENGTH, MAX_TOKEN_NAME_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class PostForm(FlaskForm):
    """A form with nothing but its CSRF token: sign-out and revoke buttons."""


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        description=_l("Where the token will be used, e.g. “Monitoring on mon-01”."),
        validators=[DataRequired(), Length(max=MAX_TOKEN_NAME_LENGTH)],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least %(count)d characters. A few unrelated words make a good one.", count=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],  # length rule: services.validate_password
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )
