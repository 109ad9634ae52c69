"""The declared shapes of /api/v1 contracts and their message threads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.outcome_schemas import TermsSchema
from app.api.schemas import CursorPageArgs, StrictSchema, page_of, text
from app.contracts.models import ContractStatus, DeliverableKind, DeliverableStatus
from app.contracts.services import MESSAGE_MAX

STATUSES = [s.value for s in ContractStatus]


def _stamp(**kwargs) -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"format": "date-time"}, **kwargs)


class ContractQuery(CursorPageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))


class NewMessage(StrictSchema):
    body = text(MESSAGE_MAX, load_default="", metadata={"description": "Needed (not empty)"})


class DeliverableSchema(Schema):
    """One thing the contract delivers; approving its note releases its share."""

    id = fields.Integer(required=True)
    position = fields.Integer(required=True, metadata={"description": "1 is the first"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in DeliverableKind]))
    due_date = fields.String(required=True, metadata={"format": "date"})
    share = fields.Integer(
        required=True, metadata={"description": "Its part of the price (minor units)"}
    )
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in DeliverableStatus])
    )
    revisions_used = fields.Integer(required=True)
    note_id = fields.Integer(required=True, allow_none=True, metadata={"description": "Its note"})
    submitted_at = _stamp()
    review_due_at = _stamp()
    approved_at = _stamp()


class ContractSchema(Schema):
    """Amounts in minor units: the brand pays brand_total, the KOL gets kol_net."""

    id = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True)
    bid_id = fields.Integer(required=True)
    brand_id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    currency = fields.String(required=True)
    price = fields.Integer(required=True)
    brand_fee = fields.Integer(required=True)
    brand_total = fields.Integer(required=True)
    kol_fee = fields.Integer(required=True)
    kol_net = fields.Integer(required=True)
    deliverables = fields.String(required=True, metadata={"description": "In words"})
    deliverable_items = fields.List(
        fields.Nested(DeliverableSchema),
        required=True,
        metadata={"description": "Each deliverable; the shares sum to the price"},
    )
    due_date = fields.String(required=True, metadata={"format": "date"})
    revision_rounds = fields.Integer(required=True)
    revisions_used = fields.Integer(required=True)
    review_window_days = fields.Integer(required=True)
    keep_live_days = fields.Integer(required=True)
    usage_rights = fields.String(required=True)
    created_at = _stamp()
    funding_deadline = _stamp()
    funded_at = _stamp()
    submitted_at = _stamp()
    review_due_at = _stamp()
    approved_at = _stamp()
    keep_live_until = _stamp()
    completed_at = _stamp()
    terms = fields.Nested(TermsSchema, required=True, metadata={"description": "Outcome terms"})
    outcome_fee = fields.Integer(
        required=True, metadata={"description": "The brand fee on the cap (in brand_total)"}
    )
    promo_code = fields.String(required=True, allow_none=True)
    licence_brand_fee = fields.Integer(
        required=True, metadata={"description": "The brand fee on the licence fee (in brand_total)"}
    )
    licence_kol_fee = fields.Integer(
        required=True, metadata={"description": "The KOL fee on the licence fee"}
    )
    licence_ends_at = _stamp()


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    sender_id = fields.Integer(required=True)
    body = fields.String(required=True)
    attachment_name = fields.String(required=True, allow_none=True)
    created_at = _stamp()


ContractList = page_of(ContractSchema, "ContractList")
MessageList = page_of(MessageSchema, "MessageList")
