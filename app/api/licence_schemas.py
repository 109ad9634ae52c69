"""The declared shapes of /api/v1 licence purchases (a licence or an extension bought later on
a published note). Limits are app/licence_terms.py's own."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import StrictInteger, StrictSchema, amount
from app.licence_terms import LICENCE_SCOPES, MAX_LICENCE_DAYS


class LicencePurchaseInput(StrictSchema):
    licence_scope = fields.String(
        validate=validate.OneOf(sorted(LICENCE_SCOPES)),
        metadata={"description": "own (the brand's channels) or paid (also ads and boosting)"},
    )
    licence_days = StrictInteger(
        validate=validate.Range(min=1, max=MAX_LICENCE_DAYS),
        metadata={"description": "How long it lasts (from now, or from the running one's end)"},
    )
    licence_fee = amount(metadata={"description": "The fee for the KOL, in minor units"})


class LicencePurchaseSchema(Schema):
    """Amounts in minor units of ``currency``; pay ``total`` at ``checkout_url``."""

    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("open", "paid")))
    currency = fields.String(required=True)
    licence_scope = fields.String(required=True)
    licence_days = fields.Integer(required=True)
    licence_fee = fields.Integer(required=True)
    licence_brand_fee = fields.Integer(required=True)
    licence_kol_fee = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "What the brand pays"})
    starts_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    ends_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    checkout_url = fields.String(
        required=True, allow_none=True, metadata={"description": "Where to pay (while open)"}
    )
