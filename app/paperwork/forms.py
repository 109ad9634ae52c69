"""Brands' billing details and KOLs' tax details."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.catalog import COUNTRIES
from app.forms import options


def _countries(blank: bool = True):
    ranked = sorted(COUNTRIES.items(), key=lambda kv: str(kv[1]))
    return options([("", "—"), *ranked] if blank else ranked)


class BillingForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    address = TextAreaField(_l("Billing address"), validators=[DataRequired(), Length(max=1000)])
    country = SelectField(_l("Country"), choices=_countries(), validators=[DataRequired()])
    tax_id = StringField(
        _l("Tax ID (VAT number, EIN, USCC …)"), validators=[Optional(), Length(max=40)]
    )


class TaxDetailsForm(FlaskForm):
    # Checked in the service (app/paperwork/taxinfo.py), which names each field it refuses.
    us_person = RadioField(
        _l("Are you a US person (a US citizen or resident)?"),
        choices=options([("no", _l("No: W-8BEN facts")), ("yes", _l("Yes: W-9 facts"))]),
        default="no",
    )
    legal_name = StringField(_l("Name as on your tax return"))
    address = TextAreaField(_l("Permanent residence address"))
    tax_residence = SelectField(_l("Country of tax residence"), choices=_countries())
    citizenship = SelectField(_l("Country of citizenship"), choices=_countries())
    tin_type = SelectField(
        _l("US taxpayer id type"),
        choices=options([("", "—"), ("ssn", _l("SSN")), ("ein", _l("EIN"))]),
    )
    tin = StringField(_l("Tax identification number"), render_kw={"autocomplete": "off"})
    treaty_country = SelectField(_l("Treaty country (optional)"), choices=_countries())
    treaty_article = StringField(_l("Treaty article (optional)"))
    treaty_rate = StringField(_l("Treaty withholding rate, % (optional)"))
    certified_name = StringField(_l("Your name, as your signature"))
    certify = BooleanField(
        _l("Under penalties of perjury, I certify that the information above is true and correct.")
    )
