"""Helpers shared by every form: showing a service's validation errors inline."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError


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


def options(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs or a dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def form_status(form: FlaskForm) -> int:
    """200 for a fresh or valid form; the service error's status (422, 409…) otherwise."""
    if not form.errors:
        return 200
    return getattr(form, "error_status", 422)
