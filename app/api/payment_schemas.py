"""The declared shapes of /api/v1 money: a contract's money and ledger, payouts, funding."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api.schemas import page_of


class Checkout(Schema):
    checkout_url = fields.String(required=True, metadata={"description": "Stripe Checkout"})


class PayoutSchema(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Minor units"})
    amount_reversed = fields.Integer(
        required=True,
        metadata={"description": "Minor units taken back from the KOL by transfer reversals"},
    )
    currency = fields.String(required=True)
    status = fields.String(required=True)
    transfer_id = fields.String(required=True, allow_none=True)


class PaymentFailure(Schema):
    at = fields.String(required=True, metadata={"format": "date-time"})
    code = fields.String(required=True, allow_none=True)
    decline_code = fields.String(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)


class ContractMoney(Schema):
    """Every amount in the contract currency's minor unit."""

    contract_id = fields.Integer(required=True)
    currency = fields.String(required=True)
    price = fields.Integer(required=True)
    brand_fee = fields.Integer(required=True)
    kol_fee = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    held = fields.Integer(required=True)
    released = fields.Integer(required=True)
    paid_out = fields.Integer(required=True)
    refunded = fields.Integer(required=True)
    refunding = fields.Integer(
        required=True,
        metadata={"description": "Refunds in progress: owed to the brand, not finished at Stripe"},
    )
    payouts = fields.List(fields.Nested(PayoutSchema), required=True)
    payment_failures = fields.List(
        fields.Nested(PaymentFailure),
        required=True,
        metadata={"description": "Declined or failed payment attempts, newest first"},
    )


class LedgerLine(Schema):
    account = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Minor units; signed"})
    currency = fields.String(required=True)


class LedgerEntry(Schema):
    """One journal entry; its lines balance to zero per currency."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    stripe_object_id = fields.String(required=True, allow_none=True)
    memo = fields.String(required=True)
    lines = fields.List(fields.Nested(LedgerLine), required=True)


PayoutList = page_of(PayoutSchema, "PayoutList")
LedgerPage = page_of(LedgerEntry, "LedgerPage")
