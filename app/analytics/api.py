"""/api/v1 analytics: conversions, batched events and the stats behind the dashboards."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app.analytics import pipeline, queries, services
from app.api.auth import _bearer_user, api_access, api_user
from app.api.openapi import document, error_response
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictInteger, StrictSchema, text
from app.auth.models import Role
from app.authz import PUBLIC, SIGNED_IN
from app.errors import ValidationFailed, json_error
from app.extensions import db


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def conversion_json(conversion) -> dict[str, Any]:
    return {
        "id": conversion.id,
        "order_id": conversion.order_id,
        "value": conversion.value,
        "currency": conversion.currency,
        "time": _iso(conversion.occurred_at),
        "attributed": conversion.attributed,
        "note_id": conversion.note_id,
        "contract_id": conversion.contract_id,
        "campaign_id": conversion.campaign_id,
        "reason": conversion.reason or None,
    }


class OrderId(fields.Field):
    """A shop's order id, as text or a number (100 characters at most)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError("A string or a whole number.")
        return value


class ConversionInput(StrictSchema):
    """The services normalise these (trimmed order id, lower-case currency, the time)."""

    order_id = OrderId(
        metadata={"oneOf": [{"type": "string", "maxLength": 100}, {"type": "integer"}]}
    )
    # The range is the services' check (with the other fields' in one answer); shown here.
    value = StrictInteger(
        metadata={
            "description": "The order value, an integer in the currency's minor unit",
            "minimum": 0,
            "maximum": services.MAX_VALUE,
        },
    )
    currency = text(3, metadata={"example": "usd"})
    time = fields.String(allow_none=True, metadata={"description": "ISO 8601; default now"})
    click_id = text(64, allow_none=True)
    promo_code = text(32, allow_none=True)


class ConversionSchema(Schema):
    id = fields.Integer(required=True)
    order_id = fields.String(required=True)
    value = fields.Integer(required=True, metadata={"description": "Minor units"})
    currency = fields.String(required=True)
    time = fields.String(required=True, metadata={"format": "date-time"})
    attributed = fields.Boolean(required=True)
    note_id = fields.Integer(required=True, allow_none=True)
    contract_id = fields.Integer(required=True, allow_none=True)
    campaign_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    duplicate = fields.Boolean(required=True)


class StatsQuery(StrictSchema):
    date_from = fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD"})
    date_to = fields.Date(data_key="to", metadata={"description": "YYYY-MM-DD"})
    granularity = fields.String(validate=validate.OneOf(("hour", "day")))


@bp.post("/conversions")
@api_access(Role.BRAND)
@bp.doc(
    operationId="postConversion",
    summary="Report an order (attributed to the last click within the window)",
)
@bp.arguments(ConversionInput)
@bp.response(201, ConversionSchema, description="Stored")
@bp.alt_response(200, schema=ConversionSchema, description="This order id was already reported")
def post_conversion(body: dict):
    values = services.validate_conversion(body)
    conversion, created = services.record_conversion(brand_id=api_user().id, **values)
    db.session.commit()
    return conversion_json(conversion) | {"duplicate": not created}, 201 if created else 200


def _signed(body: bytes) -> bool:
    secret = current_app.config["ANALYTICS_BATCH_SECRET"]
    header = request.headers.get("X-Signature", "")
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:])


@bp.post("/events/batch")
@api_access(PUBLIC)
def post_batch():
    """Up to 500 events: conversions need a brand's API key, views and clicks an HMAC signature
    of the body (X-Signature: sha256=<hex>). Each bad event is rejected with its reasons; the
    good ones are kept."""
    body = request.get_data(cache=True)
    payload = request.get_json(silent=True)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not events:
        return json_error(400, "bad_request", _('Expected {"events": [...]}.'))
    if len(events) > services.MAX_BATCH:
        return json_error(
            413, "too_many_events", _("At most %(n)d events per batch.", n=services.MAX_BATCH)
        )
    brand = _bearer_user()
    brand = brand if brand is not None and brand.role == Role.BRAND else None
    signed = _signed(body)
    if brand is None and not signed:
        return json_error(
            401, "unauthorized", _("A brand API key or a valid signature is required.")
        )
    codes = {
        e.get("code") for e in events if isinstance(e, dict) and e.get("type") in ("view", "click")
    }
    notes = services.published_notes_by_code(codes) if signed else {}
    now = repr(time.time())  # the time of events sent without one
    hits, conversions, rejected = [], [], []
    for index, event in enumerate(events):
        kind = event.get("type") if isinstance(event, dict) else None
        try:
            if kind == "conversion":
                if brand is None:
                    raise ValidationFailed({"type": [_("Conversions need a brand API key.")]})
                conversions.append((index, services.validate_conversion(event)))
            elif kind in ("view", "click"):
                if not signed:
                    raise ValidationFailed({"type": [_("Views and clicks must be signed.")]})
                hits.append(services.validate_hit(event, notes, now))
            else:
                raise ValidationFailed({"type": [_("view, click or conversion.")]})
        except ValidationFailed as error:
            rejected.append({"index": index, "errors": error.fields})
    results = []
    for index, values in conversions:
        conversion, created = services.record_conversion(brand_id=brand.id, **values)
        results.append({"index": index, "id": conversion.id, "duplicate": not created,
                        "attributed": conversion.attributed})  # fmt: skip
    if conversions:
        db.session.commit()
    stored_in = pipeline.accept_rows("".join(hits).encode(), len(hits)) if hits else "none"
    return jsonify(
        accepted=len(hits) + len(conversions),
        rejected=rejected,
        conversions=results,
        buffer=stored_in,
    ), 200


_INT, _RATE = {"type": "integer"}, {"type": ["number", "null"]}
_MONEY = {"type": ["integer", "null"], "description": "campaign currency, minor units"}
_METRICS = {
    "type": "object",
    "properties": {
        **dict.fromkeys(("views", "clicks", "bot_views", "bot_clicks", "conversions"), _INT),
        "uniques": {
            "type": "integer",
            "description": "unique visitors per day, summed over "
            "the days; for a campaign distinct across its notes",
        },
        "revenue": _INT,
        **dict.fromkeys(("likes", "saves", "comments", "follows", "bought"), _INT),
        "engagements": {"type": "integer", "description": "likes + saves + comments (net)"},
        "flagged_engagements": {"type": "integer", "description": "from new accounts"},
        **dict.fromkeys(("ctr", "conversion_rate", "bot_share", "roas"), _RATE),
        "engagement_rate": {**_RATE, "description": "engagements ÷ views"},
        "flagged_share": _RATE,
        **dict.fromkeys(("spend", "cpm", "cpc", "cpa"), _MONEY),
        "cpe": {**_MONEY, "description": "spend ÷ engagements, minor units"},
    },
}
_STATS = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "range": {"type": "object"},
                "totals": {
                    "allOf": [_METRICS],
                    "properties": {"note_uniques": {"type": "integer"}},
                },
                "series": {"type": "array", "items": _METRICS},
                "notes": {"type": "array", "items": _METRICS},
            },
        }
    }
}


def _stats_response(**scope):
    rng = queries.parse_range(request.args)
    stats = queries.stats_for(rng=rng, **scope)
    for row in stats["series"]:
        row["at"] = _iso(row["at"])
    return jsonify(stats)


def _stats_doc(operation_id: str, summary: str):
    """Declared query, hand-described answer (the metrics table below)."""

    def decorate(view):
        view = bp.alt_response(404, schema=ErrorSchema, description="Not yours or not found")(view)
        view = bp.arguments(StatsQuery, location="query")(view)
        responses = {"200": {"description": "Totals, series and per-note rows", "content": _STATS}}
        return bp.doc(operationId=operation_id, summary=summary, responses=responses)(view)

    return decorate


@bp.get("/campaigns/<int:campaign_id>/stats")
@api_access(Role.BRAND)
@_stats_doc("getCampaignStats", "A campaign's analytics (its brand)")
def campaign_stats(_args: dict, campaign_id: int):
    campaign = queries.brand_campaign(brand_id=api_user().id, campaign_id=campaign_id)
    return _stats_response(campaign_id=campaign.id)


@bp.get("/notes/<int:note_id>/stats")
@api_access(SIGNED_IN)
@_stats_doc("getNoteStats", "A note's analytics (its brand or KOL)")
def note_stats(_args: dict, note_id: int):
    note = queries.readable_note(note_id=note_id, user=api_user())
    return _stats_response(note_id=note.id, with_money=api_user().id == note.brand_id)


@bp.get("/contracts/<int:contract_id>/stats")
@api_access(SIGNED_IN)
@_stats_doc("getContractStats", "A contract's analytics (brand or KOL)")
def contract_stats(_args: dict, contract_id: int):
    contract = queries.readable_contract(contract_id=contract_id, user=api_user())
    return _stats_response(contract_id=contract.id, with_money=api_user().id == contract.brand_id)


_OBJ = {"application/json": {"schema": {"type": "object"}}}
document(
    "/events/batch",
    "post",
    {
        "summary": "Up to 500 events (conversions: API key; views/clicks: signed)",
        "operationId": "postEventBatch",
        "security": [{}, {"bearer": []}],  # a brand's key only for conversion events
        "requestBody": {"required": True, "content": _OBJ},
        "responses": {
            "200": {"description": "Accepted and rejected events", "content": _OBJ},
            "400": error_response("Not a batch"),
            "401": error_response("Neither a brand key nor a valid signature"),
            "413": error_response("More than 500 events"),
            "503": error_response("Neither store accepted the events; retry"),
        },
    },
)
