"""Helpers shared by every form: showing a service's validation errors inline, money fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.money import MoneyError, parse_amount


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field errors next to the fields; the rest above the form."""
    form.error_status = error.status
    unplaced = []
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is None:
            unplaced.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)
    if unplaced or not error.fields:
        form.form_errors.extend(unplaced or [error.message])


class MoneyField(StringField):
    """An amount typed in major units of ``currency`` ('499.90'), read into minor units.

    Services take integer minor units, like the API; reading what a person typed is the form's
    job. ``data`` keeps the typed text (re-shown as typed, and echoed by the fee preview's
    confirmation); ``amount`` is the integer once the form validated, None when the text is
    not an amount (the error is then on this field). The form sets ``currency`` first.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = "usd"
        self.amount: int | None = None

    def post_validate(self, form, validation_stopped: bool) -> None:
        self.amount = None
        if validation_stopped or self.errors:
            return
        try:
            self.amount = parse_amount(self.data or "", self.currency)
        except MoneyError:
            self.errors.append(
                _("Enter an amount such as 500 or 499.90 in %(c)s.", c=self.currency.upper())
            )


def options(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs or a dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def form_status(form: FlaskForm) -> int:
    """200 for a fresh or valid form; the service error's status (422, 409…) otherwise."""
    if not form.errors:
        return 200
    return getattr(form, "error_status", 422)
