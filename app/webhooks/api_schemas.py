"""The declared shapes of /api/v1 webhook endpoints and deliveries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import StrictBoolean, StrictSchema, page_of, text
from app.webhooks.services import EVENTS

EVENT = fields.String(validate=validate.OneOf(list(EVENTS)))


class EndpointInput(StrictSchema):
    url = text(500, required=True, metadata={"description": "https:// address of your receiver"})
    events = fields.List(EVENT, required=True, validate=validate.Length(min=1, max=len(EVENTS)))


class EndpointUpdate(StrictSchema):
    """Omitted fields keep their value; ``enabled: true`` also forgets past failures."""

    url = text(500, metadata={"description": "https:// address of your receiver"})
    events = fields.List(EVENT, validate=validate.Length(min=1, max=len(EVENTS)))
    enabled = StrictBoolean()


class EndpointSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": '"failing" (every delivery failed for a day) or "owner"'},
    )
    secret = fields.String(
        required=True,
        metadata={"description": "whsec_…: verify the webhook-signature header with it"},
    )
    previous_secret_expires_at = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "After a rotation: until when the old secret still signs"},
    )
    created_at = fields.String(required=True)


class AttemptSchema(Schema):
    attempted_at = fields.String(required=True)
    status_code = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    duration_ms = fields.Integer(required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    endpoint_id = fields.Integer(required=True)
    message_id = fields.String(required=True, metadata={"description": "The webhook-id header"})
    event_type = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "retrying", "delivered", "failed"])
    )
    created_at = fields.String(required=True)
    delivered_at = fields.String(required=True, allow_none=True)
    next_attempt_at = fields.String(required=True, allow_none=True)
    payload = fields.Dict(required=True, metadata={"description": "The body that is sent"})
    attempts = fields.List(fields.Nested(AttemptSchema), required=True)


EndpointList = page_of(EndpointSchema, "WebhookEndpointList")
DeliveryList = page_of(DeliverySchema, "WebhookDeliveryList")
