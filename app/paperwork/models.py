"""Invoices, credit notes, the counters that number them, brands' billing and KOLs' tax details."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"  # one per paid funding
    CREDIT_NOTE = "credit_note"  # one per refund, partial or whole


# Each kind is numbered in its own series: INV-2026-000001, CN-2026-000001.
SERIES = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}


class DocumentCounter(db.Model):
    """The last number given in one series of one issuer in one year. Locked FOR UPDATE by
    the transaction that gives the next number, so numbers have no gaps and no repeats."""

    __tablename__ = "document_counters"

    issuer: Mapped[str] = mapped_column(String(16), primary_key=True)
    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(db.Model):
    """An invoice to a brand for a funding, or a credit note for a refund. Fixed once issued:
    seller and buyer are copied as they stood; lines are codes with amounts, read in the
    reader's language."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("issuer", "series", "year", "number", name="uq_invoices_number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("total > 0 AND tax >= 0 AND tax <= total", name="amounts"),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    issuer: Mapped[str] = mapped_column(String(16))
    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    funding_id: Mapped[int | None] = mapped_column(ForeignKey("fundings.id"), unique=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    # A credit note's invoice (the one it reduces).
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger)  # what was paid (or refunded), tax included
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate_bps: Mapped[int] = mapped_column(Integer, default=0)
    # [{"code": "price" | "platform_fee" | "outcome_reserve" | "licence" | "payment" | "refund", "amount": net, ...}]
    lines: Mapped[list] = mapped_column(JSON)
    seller: Mapped[dict] = mapped_column(JSON)  # name, address, tax_id
    buyer: Mapped[dict] = mapped_column(JSON)  # name, address, country, tax_id, email
    issued_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, index=True)

    @property
    def display_number(self) -> str:
        return f"{self.issuer}-{self.series}-{self.year}-{self.number:06d}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE


class BrandBilling(db.Model):
    """Who a brand's invoices are made out to."""

    __tablename__ = "brand_billing"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    legal_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(40))  # VAT number, EIN, USCC …
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class TaxForm(enum.StrEnum):
    W9 = "w9"  # US persons
    W8BEN = "w8ben"  # everyone else


class KolTaxDetails(db.Model):
    """A KOL's tax residence and tax id (W-9 facts for US persons, W-8BEN facts otherwise).
    The tax id is stored encrypted (app/paperwork/crypto.py); its last four characters are
    kept apart so pages can show it masked without decrypting."""

    __tablename__ = "kol_tax_details"
    __table_args__ = (CheckConstraint("form IN ('w9', 'w8ben')", name="form_known"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    form: Mapped[str] = mapped_column(String(8))
    legal_name: Mapped[str] = mapped_column(String(200))
    tax_residence: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(Text)
    tin_type: Mapped[str] = mapped_column(String(12))  # ssn | ein | foreign
    tin_encrypted: Mapped[str] = mapped_column(Text)
    tin_last4: Mapped[str] = mapped_column(String(4))
    citizenship: Mapped[str | None] = mapped_column(String(2))  # W-8BEN
    treaty_country: Mapped[str | None] = mapped_column(String(2))  # W-8BEN part II
    treaty_article: Mapped[str | None] = mapped_column(String(40))
    treaty_rate_bps: Mapped[int | None] = mapped_column(Integer)
    certified_name: Mapped[str] = mapped_column(String(200))
    certified_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
