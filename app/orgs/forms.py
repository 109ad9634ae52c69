"""Team forms: invite, change a role, grant an agency, pick the brand to act for, accept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth.passwords import MAX_LENGTH
from app.db_types import MAX_ID
from app.forms import options

ROLE_CHOICES = [
    ("manager", _l("Manager: campaigns, bids, contracts, notes")),
    ("analyst", _l("Analyst: reads analytics and exports")),
    ("finance", _l("Finance: payments, receipts, invoices, billing details")),
    ("owner", _l("Owner: everything, members and billing")),
]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES))


# The member list's role menus: short names, so a row fits a phone's width.
ROLE_NAMES = [("owner", _l("owner")), ("manager", _l("manager")), ("analyst", _l("analyst")),
              ("finance", _l("finance"))]  # fmt: skip


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=options(ROLE_NAMES))


class GrantForm(FlaskForm):
    agency_email = EmailField(
        _l("E-mail of the agency's owner"), validators=[DataRequired(), Length(max=254)]
    )


class ActForForm(FlaskForm):
    brand_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class AcceptForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"), validators=[Optional(), Length(max=MAX_LENGTH)]
    )


class ActionForm(FlaskForm):
    """A button that posts (remove, revoke): the CSRF token only."""
