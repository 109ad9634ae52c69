from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import options
from app.ledger.models import KINDS

ACCOUNT_CHOICES = options([("", "—"), *[(kind, kind) for kind in KINDS]])


class ReasonForm(FlaskForm):
    """Hold: the reason is required and kept in the audit log."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class NoteForm(FlaskForm):
    """Retry and release: an optional note for the audit log."""

    reason = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Action"),
        choices=options(
            [
                ("retry", _l("Retry failed transfers")),
                ("hold", _l("Put on hold")),
                ("release_hold", _l("Release hold")),
            ]
        ),
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class LegForm(Form):
    kind = SelectField(_l("Account"), choices=ACCOUNT_CHOICES, validators=[Optional()])
    amount = StringField(_l("Amount (debit +, credit −)"), validators=[Optional(), Length(max=20)])
    owner = IntegerField(_l("Contract or KOL id"), validators=[Optional(), NumberRange(min=1)])


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (required, kept with the entry)"),
        validators=[DataRequired(), Length(max=2000)],
    )
    legs = FieldList(FormField(LegForm), min_entries=3, max_entries=3)


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("Resolution note"), validators=[DataRequired(), Length(max=2000)])
    correction_entry_id = IntegerField(
        _l("Correcting entry id (optional)"), validators=[Optional(), NumberRange(min=1)]
    )


class ReconcileForm(FlaskForm):
    date_from = DateField(_l("From (UTC day)"), validators=[DataRequired()])
    date_to = DateField(_l("To (UTC day, included)"), validators=[DataRequired()])
