"""Sign-in, registration, password and settings forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.passwords import MAX_LENGTH
from app.forms import options
from app.timezones import zone_names


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I am a"),
        choices=options(
            [
                ("brand", _l("Brand")),
                ("agency", _l("Agency (runs campaigns for brands)")),
                ("kol", _l("KOL / creator")),
                ("shopper", _l("Shopper (follow, save and comment on notes)")),
            ]
        ),
        validators=[DataRequired()],
    )
    name = StringField(_l("Company or display name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 8 characters; a long passphrase is best."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    # Filled in by the browser (static/js/app.js, Intl's time zone); a zone we do not know is
    # ignored and the account reads UTC until its owner chooses one in settings.
    time_zone = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class AccountSettingsForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=options([("en", "English"), ("zh_Hans", "简体中文")])
    )
    time_zone = SelectField(
        _l("Time zone"),
        choices=lambda: [(name, name.replace("_", " ")) for name in zone_names()],
        description=_l("Dates are shown, and typed into forms, in this zone."),
    )


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Key name"), validators=[DataRequired(), Length(max=80)])


class ConfirmForm(FlaskForm):
    """A button-only form: carries the CSRF token for POST actions."""
