"""Outcome terms in web forms (campaign, bid, counter-offer): the commission typed as a percent
and the amounts in major units, read into the services' basis points and minor units; and the
KOL's promo code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

from app.forms import options
from app.licence_terms import LICENCE_SCOPES
from app.money import MoneyError, parse_amount, to_major_text
from app.outcome_terms import BONUS_METRICS, percent_text

_AMOUNTS = ("commission_fixed", "bonus_amount", "outcome_cap", "licence_fee")
_WHOLE = ("bonus_threshold", "performance_days", "return_days", "licence_days")


class NegotiableTermsFields:
    """Commission, bonus and cap, as a bid or counter-offer proposes them; a form that mixes
    these in reads them with terms_from_form."""

    commission_percent = StringField(
        _l("Commission (percent of each order)"),
        validators=[Length(max=8)],
        description=_l("Of each confirmed order our tracking credits to the note, e.g. 10."),
    )
    commission_fixed = StringField(_l("Commission per order"), validators=[Length(max=20)])
    bonus_amount = StringField(_l("Bonus"), validators=[Length(max=20)])
    bonus_metric = SelectField(
        _l("Bonus when"),
        choices=options([("", _l("No bonus")), *BONUS_METRICS.items()]),
        validate_choice=False,  # checked with the other terms (clean_terms); absent: none
    )
    bonus_threshold = StringField(_l("Bonus threshold"), validators=[Length(max=12)])
    outcome_cap = StringField(
        _l("Cap on commission and bonus"),
        validators=[Length(max=20)],
        description=_l("Funded up front with the price; what is not earned goes back."),
    )
    # The usage licence (app/licence_terms.py): where, how long, at what fee.
    licence_scope = SelectField(
        _l("Licence: where the brand may reuse the note"),
        choices=options([("", _l("No licence")), *LICENCE_SCOPES.items()]),
        validate_choice=False,  # checked with the other licence terms (clean_licence)
    )
    licence_days = StringField(_l("Licence length (days)"), validators=[Length(max=4)])
    licence_fee = StringField(
        _l("Licence fee"),
        validators=[Length(max=20)],
        description=_l("Funded with the price and paid to the KOL on approval."),
    )


class TermsFields(NegotiableTermsFields):
    """The campaign's terms: the negotiable ones and the windows."""

    performance_days = StringField(
        _l("Performance window (days)"),
        validators=[Length(max=3)],
        description=_l("Orders and the bonus count this many days after approval."),
    )
    return_days = StringField(
        _l("Return window (days)"),
        validators=[Length(max=3)],
        description=_l("You may reverse a returned order this many days after it."),
    )


def terms_form_data(holder, currency: str) -> dict[str, Any]:
    """What the form shows for a campaign's or bid's terms."""
    data = {name: to_major_text(getattr(holder, name), currency) for name in _AMOUNTS}
    data.update({name: str(getattr(holder, name)) for name in _WHOLE})
    data["commission_percent"] = percent_text(holder.commission_bps)
    data["bonus_metric"] = holder.bonus_metric or ""
    data["licence_scope"] = holder.licence_scope or ""
    return data


def terms_from_form(form, currency: str, errors: dict) -> dict[str, Any]:
    """The services' values from what was typed; unreadable fields go into ``errors``."""
    values: dict[str, Any] = {
        "bonus_metric": form.bonus_metric.data or None,
        "licence_scope": form.licence_scope.data or None,
    }
    for name in _AMOUNTS:
        text = (form[name].data or "").strip()
        try:
            values[name] = parse_amount(text, currency or "usd") if text else 0
        except MoneyError:
            errors[name] = [_("Enter an amount like 500 or 499.99 in the campaign's currency.")]
    for name in _WHOLE:
        if name not in form:
            continue
        text = (form[name].data or "").strip()
        if text and not text.isdecimal():
            errors[name] = [_("Enter a whole number.")]
        elif text:
            values[name] = int(text)
    values["commission_bps"] = percent_to_bps(form.commission_percent.data, errors)
    return values


def percent_to_bps(text: str | None, errors: dict) -> int:
    """'12.5' → 1250; at most two decimals."""
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return 0
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        errors["commission_percent"] = [_("Enter a percent such as 10 or 12.5.")]
        return 0
    return int(value)


class PromoCodeForm(FlaskForm):
    promo_code = StringField(
        _l("Promo code"),
        validators=[Length(max=40)],
        description=_l("4–20 letters A–Z and digits; shoppers type it at checkout."),
    )
