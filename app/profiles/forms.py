"""Profile, social account and verification forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, SOCIAL_PLATFORMS
from app.forms import options
from app.money import CURRENCIES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _currency_choices():
    return options((c, c.upper()) for c in CURRENCIES)


def _country_choices():
    return options([("", "—"), *sorted(COUNTRIES.items(), key=lambda kv: kv[1])])


class BrandProfileForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=120)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    industry = SelectField(
        _l("Industry"),
        choices=options([("", "—"), *list(CATEGORIES.items())]),
        validators=[Optional()],
    )
    description = TextAreaField(_l("About the brand"), validators=[Length(max=5000)])
    billing_country = SelectField(
        _l("Billing country"), choices=_country_choices(), validators=[Optional()]
    )
    currency = SelectField(_l("Billing currency"), choices=_currency_choices())
    logo = FileField(_l("Logo (JPEG, PNG or WebP)"))


class KolProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    bio = TextAreaField(_l("Bio"), validators=[Length(max=2000)])
    niches = MultiCheckboxField(_l("Niches"), choices=options(CATEGORIES))
    region = SelectField(_l("Region"), choices=_country_choices(), validators=[Optional()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    languages = MultiCheckboxField(_l("Languages"), choices=options(LANGUAGES))
    rate_currency = SelectField(_l("Rate card currency"), choices=_currency_choices())
    rate_image = StringField(_l("Price per image note"), validators=[Optional(), Length(max=20)])
    rate_video = StringField(_l("Price per video note"), validators=[Optional(), Length(max=20)])
    avatar = FileField(_l("Avatar (JPEG, PNG or WebP)"))


class SocialAccountForm(FlaskForm):
    platform = SelectField(_l("Platform"), choices=options(SOCIAL_PLATFORMS))
    handle = StringField(_l("Handle"), validators=[DataRequired(), Length(max=80)])
    followers = IntegerField(
        _l("Followers"), validators=[DataRequired(), NumberRange(min=0, max=2_000_000_000)]
    )
    url = StringField(_l("Profile URL"), validators=[Optional(), Length(max=300)])


class FollowersForm(FlaskForm):
    """A new follower count for one account; it waits for an admin's check."""

    followers = IntegerField(
        _l("Followers"), validators=[InputRequired(), NumberRange(min=0, max=2_000_000_000)]
    )


class VerificationForm(FlaskForm):
    handles = TextAreaField(
        _l("Accounts to check"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("List each platform and handle; we compare them with your profile."),
    )
    screenshot = FileField(_l("Screenshot of your account's statistics page"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (required to reject; the KOL reads it)"), validators=[Length(max=2000)]
    )
