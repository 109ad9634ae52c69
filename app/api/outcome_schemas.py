"""The declared shapes of outcome terms (on campaigns, bids, counter-offers and contracts),
settlements and their statements, conversion reversals and promo codes. The limits are
app/outcome_terms.py's own, so the document, the validation and the web forms agree."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.analytics.api_schemas import ConversionFields
from app.api.schemas import StrictInteger, StrictSchema, amount, text
from app.licence_terms import LICENCE_SCOPES, MAX_LICENCE_DAYS
from app.outcome_terms import BONUS_METRICS, TERM_RANGES

METRICS = sorted(BONUS_METRICS)


def _whole(name: str, description: str) -> StrictInteger:
    low, high = TERM_RANGES[name]
    return StrictInteger(
        validate=validate.Range(min=low, max=high), metadata={"description": description}
    )


class NegotiableTermsInput(StrictSchema):
    """Outcome terms a bid or counter-offer may propose (the campaign's when left out)."""

    commission_bps = _whole("commission_bps", "Commission: basis points of each counted order")
    commission_fixed = amount(metadata={"description": "Commission per counted order"})
    bonus_amount = amount(metadata={"description": "Paid once the metric reaches the threshold"})
    bonus_metric = fields.String(
        allow_none=True, validate=validate.OneOf(METRICS), metadata={"description": "Or null"}
    )
    bonus_threshold = _whole("bonus_threshold", "Views, clicks or orders in the window")
    outcome_cap = amount(
        metadata={"description": "The most commission + bonus pay in all; funded up front"}
    )
    licence_scope = fields.String(
        allow_none=True,
        validate=validate.OneOf(sorted(LICENCE_SCOPES)),
        metadata={"description": "Usage licence: own (brand's channels) or paid (also ads and "
                  "boosting); null for none"},
    )  # fmt: skip
    licence_days = StrictInteger(
        validate=validate.Range(min=0, max=MAX_LICENCE_DAYS),
        metadata={"description": "How long the licence lasts from approval (needed with a scope)"},
    )
    licence_fee = amount(
        minimum=0,
        metadata={"description": "The licence fee, funded with the price, paid to the KOL"},
    )


class TermsInput(NegotiableTermsInput):
    """A campaign's outcome terms, with its windows."""

    performance_days = _whole("performance_days", "Days after approval that orders count (30)")
    return_days = _whole("return_days", "Days after an order it may be reversed (14)")


class TermsSchema(Schema):
    commission_bps = fields.Integer(required=True)
    commission_fixed = fields.Integer(required=True)
    bonus_amount = fields.Integer(required=True)
    bonus_metric = fields.String(required=True, allow_none=True)
    bonus_threshold = fields.Integer(required=True)
    outcome_cap = fields.Integer(required=True)
    performance_days = fields.Integer(required=True)
    return_days = fields.Integer(required=True)
    licence_scope = fields.String(required=True, allow_none=True)
    licence_days = fields.Integer(required=True)
    licence_fee = fields.Integer(required=True)


def terms_json(holder) -> dict:
    """A campaign's, bid's, offer's or contract's outcome terms and usage licence."""
    return {**holder.terms(), **holder.licence()}


class SettlementLineSchema(Schema):
    order_id = fields.String(required=True)
    value = fields.Integer(required=True)
    currency = fields.String(required=True)
    occurred_at = fields.String(required=True, metadata={"format": "date-time"})
    counted = fields.Boolean(required=True)
    commission = fields.Integer(required=True)
    reason = fields.String(required=True, metadata={"description": "Code; empty when counted"})
    reason_text = fields.String(required=True, metadata={"description": "In your language"})


class SettlementSchema(Schema):
    """One settlement's statement: amounts in minor units of ``currency``."""

    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    final = fields.Boolean(required=True)
    currency = fields.String(required=True)
    window_start = fields.String(required=True, metadata={"format": "date-time"})
    window_end = fields.String(required=True, metadata={"format": "date-time"})
    as_of = fields.String(required=True, metadata={"format": "date-time"})
    orders_counted = fields.Integer(required=True)
    order_value = fields.Integer(required=True)
    commission = fields.Integer(required=True)
    bonus_metric = fields.String(required=True, allow_none=True)
    metric_value = fields.Integer(required=True)
    bonus = fields.Integer(required=True)
    cap = fields.Integer(required=True)
    earned = fields.Integer(required=True)
    released_before = fields.Integer(required=True)
    released = fields.Integer(required=True)
    carried = fields.Integer(required=True)
    brand_fee = fields.Integer(required=True)
    kol_fee = fields.Integer(required=True)
    kol_net = fields.Integer(required=True)
    refunded = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    lines = fields.List(fields.Nested(SettlementLineSchema))


class SettlementList(Schema):
    items = fields.List(fields.Nested(SettlementSchema), required=True)


class ReversalInput(StrictSchema):
    order_id = text(100, min_length=1, required=True)


class PromoCodeInput(StrictSchema):
    promo_code = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "4–20 of A-Z 0-9 (stored upper-case); null removes it. Needed"},
    )


class PromoCodeSchema(Schema):
    contract_id = fields.Integer(required=True)
    promo_code = fields.String(required=True, allow_none=True)


class ReversedConversion(ConversionFields):
    reversed_at = fields.String(required=True, metadata={"format": "date-time"})
