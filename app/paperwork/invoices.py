"""Issuing invoices (one per paid funding) and credit notes (one per refund), numbered in the
transaction that records the payment or the refund."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.paperwork.models import SERIES, BrandBilling, DocumentKind, Invoice
from app.paperwork.numbering import next_number
from app.payments.models import Funding, Refund
from app.profiles.models import BrandProfile


def seller() -> dict:
    """The platform as the seller, from configuration (copied onto each document)."""
    config = current_app.config
    return {
        "name": config["INVOICE_SELLER_NAME"],
        "address": config["INVOICE_SELLER_ADDRESS"],
        "tax_id": config["INVOICE_SELLER_TAX_ID"] or None,
    }


def buyer(brand_id: int) -> dict:
    """The brand as the buyer: its billing details, or its profile until it gives them."""
    billing = db.session.get(BrandBilling, brand_id)
    email = db.session.scalar(select(User.email).where(User.id == brand_id))
    if billing is not None:
        return {
            "name": billing.legal_name,
            "address": billing.address,
            "country": billing.country,
            "tax_id": billing.tax_id,
            "email": email,
        }
    profile = db.session.get(BrandProfile, brand_id)
    return {
        "name": profile.company_name if profile else email,
        "address": "",
        "country": (profile.billing_country if profile else None) or "",
        "tax_id": None,
        "email": email,
    }


def tax_included(gross: int, rate_bps: int) -> int:
    """The tax inside a tax-inclusive amount, rounded half up to the minor unit."""
    if rate_bps <= 0:
        return 0
    base = 10_000 + rate_bps
    return (2 * gross * rate_bps + base) // (2 * base)


def _line(code: str, gross: int, rate_bps: int, **params) -> dict:
    tax = tax_included(gross, rate_bps)
    return {"code": code, "gross": gross, "tax": tax, "net": gross - tax, "params": params}


def _numbered(kind: DocumentKind) -> dict:
    now = utcnow()
    issuer = current_app.config["INVOICE_ISSUER"]
    series = SERIES[kind]
    number = next_number(issuer=issuer, series=series, year=now.year)
    return {
        "kind": kind.value,
        "issuer": issuer,
        "series": series,
        "year": now.year,
        "number": number,
        "issued_at": now,
    }


def issue_invoice(*, funding: Funding, contract: Contract) -> Invoice:
    """The invoice for a paid funding (once: a replayed payment finds it issued)."""
    existing = db.session.scalar(select(Invoice).where(Invoice.funding_id == funding.id))
    if existing is not None:
        return existing
    rate = current_app.config["INVOICE_TAX_RATE_BPS"]
    parts = [
        ("price", contract.price),
        ("platform_fee", contract.brand_fee),
        ("outcome_reserve", contract.outcome_reserve),
        ("licence", contract.licence_total),
    ]
    if funding.licence_purchase_id is not None:  # a licence bought later on the note
        parts = [("licence", funding.amount)]
    if sum(amount for _code, amount in parts) != funding.amount:
        parts = [("payment", funding.amount)]  # a payment that is not the contract's total
    lines = [_line(code, amount, rate, contract=contract.id) for code, amount in parts if amount]
    invoice = Invoice(
        **_numbered(DocumentKind.INVOICE),
        contract_id=contract.id,
        brand_id=contract.brand_id,
        funding_id=funding.id,
        currency=funding.currency,
        total=funding.amount,
        tax=sum(line["tax"] for line in lines),
        tax_rate_bps=rate,
        lines=lines,
        seller=seller(),
        buyer=buyer(contract.brand_id),
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def issue_credit_note(*, refund: Refund) -> Invoice | None:
    """The credit note for a refund, against the invoice of the payment it returns (None when
    that payment has no invoice: it was paid before invoices were issued)."""
    existing = db.session.scalar(select(Invoice).where(Invoice.refund_id == refund.id))
    if existing is not None:
        return existing
    invoice = db.session.scalar(
        select(Invoice)
        .join(Funding, Funding.id == Invoice.funding_id)
        .where(Funding.charge_id == refund.charge_id)
    )
    if invoice is None:
        return None
    reason = refund.reason_code.split(":", 1)[0]
    line = _line("refund", refund.amount, invoice.tax_rate_bps, reason=reason)
    line["params"]["invoice"] = invoice.display_number
    note = Invoice(
        **_numbered(DocumentKind.CREDIT_NOTE),
        contract_id=refund.contract_id,
        brand_id=invoice.brand_id,
        refund_id=refund.id,
        credits_invoice_id=invoice.id,
        currency=refund.currency,
        total=refund.amount,
        tax=line["tax"],
        tax_rate_bps=invoice.tax_rate_bps,
        lines=[line],
        seller=invoice.seller,
        buyer=invoice.buyer,
    )
    db.session.add(note)
    db.session.flush()
    return note
