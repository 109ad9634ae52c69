"""KOLs' tax details: W-9 facts for US persons, W-8BEN facts otherwise, needed before a payout.
The tax id is encrypted at rest and only its last four characters are ever shown."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.catalog import COUNTRIES
from app.db_types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.paperwork.crypto import encrypt
from app.paperwork.models import KolTaxDetails, TaxForm
from app.text import clean_text

US_TIN = re.compile(r"^\d{9}$")  # SSN or EIN: nine digits (dashes and spaces dropped)
FOREIGN_TIN = re.compile(r"^[A-Za-z0-9]{4,30}$")


def has_tax_details(kol_id: int) -> bool:
    return db.session.get(KolTaxDetails, kol_id) is not None


def save_tax_details(*, kol_id: int, us_person: bool, facts: dict) -> KolTaxDetails:
    """Record (or replace) the KOL's tax details; raises ValidationFailed naming each field."""
    errors: dict[str, list[str]] = {}
    values = _checked(us_person, facts, errors)
    if errors:
        raise ValidationFailed(errors)
    tin = values.pop("tin")
    details = db.session.get(KolTaxDetails, kol_id) or KolTaxDetails(user_id=kol_id)
    for name, value in values.items():
        setattr(details, name, value)
    details.tin_encrypted, details.tin_last4 = encrypt(tin), tin[-4:]
    details.certified_at = utcnow()
    db.session.add(details)
    db.session.flush()
    _release_waiting(kol_id)
    return details


def _release_waiting(kol_id: int) -> None:
    """Payouts that waited for these details go out now, if Stripe can receive them."""
    from app.payments.release import payout_account, release_waiting_payouts

    if payout_account(kol_id) is not None:
        release_waiting_payouts(kol_id=kol_id)


def _text(facts: dict, name: str, limit: int, errors: dict, *, required: bool = True) -> str:
    value = clean_text(str(facts.get(name) or ""), limit).strip()
    if required and not value:
        errors[name] = [_("This field is required.")]
    return value


def _country(facts: dict, name: str, errors: dict, *, required: bool = True) -> str | None:
    value = str(facts.get(name) or "").upper()
    if not value and not required:
        return None
    if value not in COUNTRIES:
        errors[name] = [_("Choose a country from the list.")]
    return value or None


def _checked(us_person: bool, facts: dict, errors: dict) -> dict:
    values = {
        "form": (TaxForm.W9 if us_person else TaxForm.W8BEN).value,
        "legal_name": _text(facts, "legal_name", 200, errors),
        "address": _text(facts, "address", 1000, errors),
        "tax_residence": "US" if us_person else _country(facts, "tax_residence", errors),
        "certified_name": _text(facts, "certified_name", 200, errors),
    }
    if not facts.get("certify"):
        errors["certify"] = [_("Certify that the information is correct.")]
    raw_tin = re.sub(r"[\s-]", "", str(facts.get("tin") or ""))
    if us_person:
        values["tin_type"] = str(facts.get("tin_type") or "")
        if values["tin_type"] not in ("ssn", "ein"):
            errors["tin_type"] = [_("Choose SSN or EIN.")]
        if not US_TIN.match(raw_tin):
            errors["tin"] = [_("A US taxpayer identification number has nine digits.")]
        values |= {"citizenship": "US", "treaty_country": None, "treaty_article": None,
                   "treaty_rate_bps": None}  # fmt: skip
    else:
        values["tin_type"] = "foreign"
        if not FOREIGN_TIN.match(raw_tin):
            errors["tin"] = [_("Enter your tax id: 4 to 30 letters and digits.")]
        values["citizenship"] = _country(facts, "citizenship", errors)
        values |= _treaty(facts, errors)
    values["tin"] = raw_tin.upper()
    return values


def _treaty(facts: dict, errors: dict) -> dict:
    """W-8BEN part II: an optional treaty claim (country, article, withholding rate)."""
    country = _country(facts, "treaty_country", errors, required=False)
    article = _text(facts, "treaty_article", 40, errors, required=False) or None
    rate_text = str(facts.get("treaty_rate") or "").strip().rstrip("%")
    rate = None
    if rate_text:
        try:
            rate = int(Decimal(rate_text) * 100)
        except (InvalidOperation, ValueError):
            rate = -1
        if not 0 <= rate <= 3000:
            errors["treaty_rate"] = [_("Enter a rate between 0 and 30 (percent).")]
    if country and not article:
        errors["treaty_article"] = [_("Name the treaty article you claim.")]
    return {"treaty_country": country, "treaty_article": article, "treaty_rate_bps": rate}
