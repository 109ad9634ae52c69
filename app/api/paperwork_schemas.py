"""The declared shapes of /api/v1 paperwork: brands' invoices and credit notes, KOLs' yearly
earnings statements."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import (
    PageArgs,
    StrictBoolean,
    StrictInteger,
    StrictSchema,
    page_of,
    text,
)

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


class BillingDetails(Schema):
    legal_name = fields.String(required=True)
    address = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166 alpha-2"})
    tax_id = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True, metadata={"format": "date-time"})


class BillingDetailsIn(StrictSchema):
    legal_name = text(200, required=True, min_length=1)
    address = text(1000, required=True, min_length=1)
    country = text(2, required=True, metadata={"description": "ISO 3166 alpha-2, e.g. US"})
    tax_id = text(40, load_default=None, allow_none=True,
                  metadata={"description": "VAT number, EIN, USCC …"})  # fmt: skip


class TaxDetails(Schema):
    form = fields.String(required=True, validate=validate.OneOf(["w9", "w8ben"]))
    legal_name = fields.String(required=True)
    address = fields.String(required=True)
    tax_residence = fields.String(required=True)
    citizenship = fields.String(required=True, allow_none=True)
    tin_type = fields.String(required=True, validate=validate.OneOf(["ssn", "ein", "foreign"]))
    tin_masked = fields.String(
        required=True, metadata={"description": "The tax id's last four characters only"}
    )
    treaty_country = fields.String(required=True, allow_none=True)
    treaty_article = fields.String(required=True, allow_none=True)
    treaty_rate_bps = fields.Integer(required=True, allow_none=True)
    certified_name = fields.String(required=True)
    certified_at = fields.String(required=True, metadata={"format": "date-time"})


class TaxDetailsIn(StrictSchema):
    us_person = StrictBoolean(
        required=True, metadata={"description": "true: W-9 facts; false: W-8BEN facts"}
    )
    legal_name = text(200, required=True, min_length=1)
    address = text(1000, required=True, min_length=1)
    tax_residence = text(2, load_default=None, allow_none=True,
                         metadata={"description": "W-8BEN: ISO 3166 alpha-2"})  # fmt: skip
    citizenship = text(2, load_default=None, allow_none=True, metadata={"description": "W-8BEN"})
    tin_type = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(["ssn", "ein"]),
                             metadata={"description": "W-9: ssn or ein"})  # fmt: skip
    tin = text(40, required=True, min_length=1, load_only=True,
               metadata={"description": "Write-only: read back masked"})  # fmt: skip
    treaty_country = text(2, load_default=None, allow_none=True)
    treaty_article = text(40, load_default=None, allow_none=True)
    treaty_rate_bps = StrictInteger(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=3000),
                                    metadata={"description": "1500 = 15%"})  # fmt: skip
    certified_name = text(200, required=True, min_length=1)
    certify = StrictBoolean(
        required=True, metadata={"description": "true: certified under penalties of perjury"}
    )
