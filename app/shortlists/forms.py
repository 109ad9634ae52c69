"""Shortlist forms: name a list, save a KOL to one, invite a list to a campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.db_types import MAX_ID
from app.shortlists.services import NAME_MAX


class NameForm(FlaskForm):
    name = StringField(_l("Shortlist name"), validators=[Length(max=NAME_MAX)])


class SaveForm(FlaskForm):
    """The "Save to shortlist" control: an existing list, or a new one by name."""

    kol_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=MAX_ID)])
    shortlist_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    name = StringField(_l("New shortlist"), validators=[Length(max=NAME_MAX)])


class InviteListForm(FlaskForm):
    campaign_id = SelectField(_l("Campaign"), coerce=int, choices=[])
    message = TextAreaField(_l("Message (optional)"), validators=[Length(max=1000)])


class ActionForm(FlaskForm):
    """A button that posts (remove a KOL, delete a list): the CSRF token only."""
