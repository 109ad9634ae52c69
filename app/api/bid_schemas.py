"""The declared shapes of /api/v1 bids: offers in minor units, like every amount of the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.outcome_schemas import NegotiableTermsInput, TermsSchema
from app.api.schemas import CursorPageArgs, PageArgs, StrictSchema, amount, page_of, text
from app.bids.models import BidStatus
from app.bids.services import MESSAGE_MAX, PITCH_MAX
from app.contracts.deliverables import MAX_DELIVERABLES

STATUSES = [s.value for s in BidStatus]
SIDES = ("brand", "kol")
BID_SORTS = ("price", "-price", "followers", "rating", "reliability", "newest")


# Which fields a bid needs is the services' rule, checked after the caller's access to the
# campaign or bid: a stranger learns nothing from a 422 listing what is missing.
NEEDED = {"description": "Needed; a missing value is a 422 naming it"}
PRICE = {
    "description": "Minor units; 0 only with outcome terms and a cap (commission only). "
    + NEEDED["description"]
}


class NewBid(StrictSchema):
    price = amount(minimum=0, metadata=PRICE)
    pitch = text(PITCH_MAX, min_length=1, metadata=NEEDED)
    proposed_delivery = fields.Date(
        metadata={"description": "YYYY-MM-DD. " + NEEDED["description"]}
    )
    terms = fields.Nested(
        NegotiableTermsInput,
        metadata={"description": "Outcome terms proposed (the ones on the table when left out)"},
    )
    deliverable_due_dates = fields.List(
        fields.Date(),
        validate=validate.Length(max=MAX_DELIVERABLES),
        metadata={
            "description": "With several deliverables: a due date for each, in order "
            "(YYYY-MM-DD); the rest are due on proposed_delivery"
        },
    )


class Counter(StrictSchema):
    price = amount(minimum=0, metadata=PRICE)
    message = text(MESSAGE_MAX, load_default="")
    terms = fields.Nested(
        NegotiableTermsInput,
        metadata={"description": "Outcome terms proposed (the ones on the table when left out)"},
    )


class Rejection(StrictSchema):
    reason = text(MESSAGE_MAX, load_default="")


class BidQuery(CursorPageArgs):
    status = fields.String(
        validate=validate.OneOf([*STATUSES, "waiting"]),
        metadata={"description": "A bid status, or `waiting` for bids waiting for your answer"},
    )


class CampaignBidQuery(PageArgs):
    sort = fields.String(load_default="price", validate=validate.OneOf(BID_SORTS))
    show = fields.String(load_default="active", validate=validate.OneOf(("active", "all")))


class Fees(Schema):
    """Amounts in the currency's minor unit."""

    currency = fields.String(required=True)
    price = fields.Integer(required=True)
    brand_fee = fields.Integer(required=True)
    brand_total = fields.Integer(required=True)
    kol_fee = fields.Integer(required=True)
    kol_net = fields.Integer(required=True)
    outcome_reserve = fields.Integer(
        required=True, metadata={"description": "The cap with its brand fee (in brand_total)"}
    )
    licence_fee = fields.Integer(required=True)
    licence_brand_fee = fields.Integer(required=True)
    licence_kol_fee = fields.Integer(required=True)


class Offer(Schema):
    by = fields.String(required=True, validate=validate.OneOf(SIDES))
    price = fields.Integer(required=True)
    terms = fields.Nested(
        TermsSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The outcome terms offered; null for offers made before "
                  "terms were recorded"},
    )  # fmt: skip
    message = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class KolFacts(Schema):
    """On the brand's comparison list only."""

    name = fields.String(required=True, allow_none=True)
    tier = fields.String(required=True, allow_none=True)
    followers = fields.Integer(required=True, allow_none=True)
    rating = fields.Float(required=True, allow_none=True)
    ratings = fields.Integer(required=True)
    reliability = fields.Integer(required=True, allow_none=True)


class BidSchema(Schema):
    id = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    turn = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(SIDES),
        metadata={"description": "Who must answer (accept, counter or reject) while open"},
    )
    price = fields.Integer(
        required=True, metadata={"description": "The offer on the table, in minor units"}
    )
    currency = fields.String(required=True)
    fees = fields.Nested(Fees, required=True)
    pitch = fields.String(required=True)
    proposed_delivery = fields.String(required=True, metadata={"format": "date"})
    deliverable_due_dates = fields.List(fields.String(metadata={"format": "date"}), required=True)
    reject_reason = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    decided_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    offers = fields.List(fields.Nested(Offer), required=True)
    terms = fields.Nested(TermsSchema, required=True, metadata={"description": "On the table"})
    kol = fields.Nested(KolFacts)


BidList = page_of(BidSchema, "BidList")
