from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ResolveForm(FlaskForm):
    refund_amount = StringField(
        _l("Refund to the brand"), validators=[DataRequired(), Length(max=20)]
    )
    reason = TextAreaField(
        _l("Reason (both sides read it)"), validators=[DataRequired(), Length(max=2000)]
    )
