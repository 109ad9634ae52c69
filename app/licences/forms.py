"""Buying a licence (or an extension) on a published note: typed in the contract's currency."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

from app.forms import options
from app.licence_terms import LICENCE_SCOPES


class LicencePurchaseForm(FlaskForm):
    licence_scope = SelectField(
        _l("Where you may reuse the note"),
        choices=options(LICENCE_SCOPES),
        validate_choice=False,  # checked with the other terms (clean_licence)
    )
    licence_days = StringField(_l("Days"), validators=[Length(max=4)])
    licence_fee = StringField(
        _l("Fee for the KOL"),
        validators=[Length(max=20)],
        description=_l("Paid now through Checkout, with the brand fee; the KOL is paid at once."),
    )
