"""Helpers shared by every form: showing a service's validation errors inline."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field errors next to the fields; the rest becomes a flash message."""
    unplaced = []
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is None:
            unplaced.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)
    if unplaced or not error.fields:
        flash(" ".join(unplaced) or error.message, "error")


def options(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs or a dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]
