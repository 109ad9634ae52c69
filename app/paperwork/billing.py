"""Brands' billing details: who their invoices are made out to."""

from __future__ import annotations

from flask_babel import gettext as _

from app.catalog import COUNTRIES
from app.errors import ValidationFailed
from app.extensions import db
from app.paperwork.models import BrandBilling
from app.text import clean_text


def billing_of(brand_id: int) -> BrandBilling | None:
    return db.session.get(BrandBilling, brand_id)


def save_billing(
    *, brand_id: int, legal_name: str, address: str, country: str, tax_id: str | None
) -> BrandBilling:
    """Record the brand's billing details (invoices already issued keep the old ones)."""
    values = {
        "legal_name": clean_text(legal_name, 200),
        "address": clean_text(address, 1000),
        "country": (country or "").upper(),
        "tax_id": clean_text(tax_id, 40) or None,
    }
    errors: dict[str, list[str]] = {}
    for name in ("legal_name", "address"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    if values["country"] not in COUNTRIES:
        errors["country"] = [_("Choose a country from the list.")]
    if errors:
        raise ValidationFailed(errors)
    billing = billing_of(brand_id) or BrandBilling(brand_id=brand_id)
    for name, value in values.items():
        setattr(billing, name, value)
    db.session.add(billing)
    db.session.flush()
    return billing
