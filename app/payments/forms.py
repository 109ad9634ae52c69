from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.catalog import COUNTRIES
from app.forms import options


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ResolveForm(FlaskForm):
    refund_amount = StringField(
        _l("Refund to the brand"), validators=[DataRequired(), Length(max=20)]
    )
    reason = TextAreaField(
        _l("Reason (both sides read it)"), validators=[DataRequired(), Length(max=2000)]
    )


class OnboardForm(FlaskForm):
    """Stripe fixes an account's country when it is opened: asked once, before the first link."""

    country = SelectField(
        _l("Country of your bank account"),
        choices=options([("", "—"), *sorted(COUNTRIES.items(), key=lambda kv: kv[1])]),
        validators=[Optional()],
    )
