"""The declared shapes of /api/v1 paperwork: brands' invoices and credit notes, KOLs' yearly
earnings statements."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import PageArgs, page_of

MINOR = {"description": "Minor units of the currency"}


class Party(Schema):
    name = fields.String(required=True)
    address = fields.String(required=True, allow_none=True)
    country = fields.String(load_default=None, allow_none=True)
    tax_id = fields.String(required=True, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


class InvoiceLine(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "price | platform_fee | outcome_reserve | payment | refund"},
    )
    description = fields.String(required=True, metadata={"description": "In the key's language"})
    net = fields.Integer(required=True, metadata=MINOR)
    tax = fields.Integer(required=True, metadata=MINOR)
    gross = fields.Integer(required=True, metadata=MINOR)


class InvoiceSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"example": "KOL-INV-2026-000001"})
    kind = fields.String(required=True, validate=validate.OneOf(["invoice", "credit_note"]))
    issued_at = fields.String(required=True, metadata={"format": "date-time"})
    contract_id = fields.Integer(required=True)
    currency = fields.String(required=True)
    total = fields.Integer(required=True, metadata={**MINOR, "description": "Tax included"})
    tax = fields.Integer(required=True, metadata=MINOR)
    tax_rate_bps = fields.Integer(required=True)
    credits_invoice_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "A credit note's invoice"}
    )
    seller = fields.Nested(Party, required=True)
    buyer = fields.Nested(Party, required=True)
    lines = fields.List(fields.Nested(InvoiceLine), required=True)
    pdf_url = fields.String(required=True)


InvoiceList = page_of(InvoiceSchema, "InvoiceList")


class InvoiceArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(["invoice", "credit_note"]))


class StatementArgs(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2999))


class StatementPayout(Schema):
    payout_id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    paid_at = fields.String(required=True, metadata={"format": "date-time"})
    currency = fields.String(required=True)
    paid = fields.Integer(required=True, metadata=MINOR)
    reversed = fields.Integer(required=True, metadata=MINOR)
    kept = fields.Integer(required=True, metadata=MINOR)


class StatementTotal(Schema):
    currency = fields.String(required=True)
    kept = fields.Integer(required=True, metadata=MINOR)


class StatementSchema(Schema):
    year = fields.Integer(required=True)
    payouts = fields.List(fields.Nested(StatementPayout), required=True)
    totals = fields.List(fields.Nested(StatementTotal), required=True)
    years = fields.List(fields.Integer(), required=True, metadata={"description": "Years paid"})
    tax_details_given = fields.Boolean(
        required=True, metadata={"description": "False: payouts wait for the KOL's tax details"}
    )
