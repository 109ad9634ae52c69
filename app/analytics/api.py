"""/api/v1 analytics: conversions, batched events and the stats behind the dashboards."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app import stamps, viewer_cache
from app.analytics import pipeline, queries, services
from app.analytics.api_schemas import ConversionFields, Stats
from app.analytics.signing import signed_by_edge
from app.api import deal_lists
from app.api.auth import _bearer_user, api_access, api_user
from app.api.routes import bp
from app.api.schemas import (
    ErrorSchema,
    OneOf,
    StrictBoolean,
    StrictInteger,
    StrictSchema,
    text,
    validation_fields,
)
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


class ConversionSchema(ConversionFields):
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


class HitEvent(StrictSchema):
    """A view or click seen by a signed edge server."""

    type = fields.String(required=True, validate=validate.OneOf(("view", "click")))
    event_id = fields.String(
        required=True,
        validate=validate.Regexp(services.EVENT_ID_RE),
        metadata={"description": "The client's id, 8–64 of A-Z a-z 0-9 _ . : - (retries dedup)"},
    )
    code = text(32, required=True, metadata={"description": "The note's tracking code"})
    visitor = text(64, min_length=1, required=True, metadata={"description": "Anonymous id"})
    time = fields.String(allow_none=True, metadata={"description": "ISO 8601; default now"})
    bot = StrictBoolean(metadata={"description": "Seen as a robot by the edge"})


class ConversionEvent(ConversionInput):
    """An order, as ``POST /conversions`` takes it (needs a brand's API key)."""

    type = fields.String(required=True, validate=validate.OneOf(("conversion",)))


EVENT_SCHEMAS = {"view": HitEvent(), "click": HitEvent(), "conversion": ConversionEvent()}


class BatchInput(StrictSchema):
    events = fields.List(
        OneOf(HitEvent, ConversionEvent),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": f"At most {services.MAX_BATCH}; each is checked on its own"},
    )


class RejectedEvent(Schema):
    index = fields.Integer(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class StoredConversion(Schema):
    index = fields.Integer(required=True)
    id = fields.Integer(required=True)
    duplicate = fields.Boolean(required=True)
    attributed = fields.Boolean(required=True)


class BatchResult(Schema):
    accepted = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedEvent), required=True)
    conversions = fields.List(fields.Nested(StoredConversion), required=True)
    buffer = fields.String(
        required=True, metadata={"description": "Where the views and clicks were kept"}
    )


def _load_event(event: Any, brand, signed: bool) -> tuple[str, dict]:
    """One batch event loaded by its type's schema, then checked as the services check it;
    ValidationFailed names its bad fields."""
    kind = event.get("type") if isinstance(event, dict) else None
    if kind not in EVENT_SCHEMAS:
        raise ValidationFailed({"type": [_("view, click or conversion.")]})
    if kind == "conversion" and brand is None:
        raise ValidationFailed({"type": [_("Conversions need a brand API key.")]})
    if kind != "conversion" and not signed:
        raise ValidationFailed({"type": [_("Views and clicks must be signed.")]})
    if kind != "conversion" and _as_declared(event):
        return kind, event  # what HitEvent's load gives back for it, at a tenth of the cost
    try:
        return kind, EVENT_SCHEMAS[kind].load(event)
    except ValidationError as error:
        raise ValidationFailed(validation_fields(error)) from None


_HIT_FIELDS = frozenset(HitEvent().fields)


def _as_declared(hit: dict) -> bool:
    """A view or click whose every field is one HitEvent takes as it is (``HitEvent().load``
    would return it unchanged). An edge server's batch is 500 of these: the schema's load was
    most of the endpoint's time, so anything else — an unknown field, a wrong type, a length
    out of range — goes through the schema, for its reasons."""
    code, visitor, when = hit.get("code"), hit.get("visitor"), hit.get("time")
    event_id = hit.get("event_id")
    return (
        hit.keys() <= _HIT_FIELDS
        and isinstance(event_id, str) and services.EVENT_ID_RE.fullmatch(event_id) is not None
        and isinstance(code, str) and len(code) <= 32
        and isinstance(visitor, str) and 1 <= len(visitor) <= 64
        and (when is None or isinstance(when, str))
        and isinstance(hit.get("bot", False), bool)
    )  # fmt: skip


@bp.post("/events/batch")
# A brand's key or a signature: the key is optional, so after @api_access's "public".
@bp.doc(security=[{}, {"bearer": []}])
@api_access(PUBLIC)
@bp.doc(
    operationId="postEventBatch",
    summary=f"Up to {services.MAX_BATCH} events (conversions: a brand's key; views/clicks: signed)",
    description="Views and clicks need an HMAC of the body (`X-Signature: sha256=<hex>`), "
    "conversions a brand's API key. Each bad event is rejected with its reasons; the good "
    "ones are kept.",
)
@bp.arguments(BatchInput)
@bp.response(200, BatchResult, description="Accepted and rejected events")
@bp.alt_response(401, schema=ErrorSchema, description="Neither a brand key nor a valid signature")
@bp.alt_response(413, schema=ErrorSchema, description=f"More than {services.MAX_BATCH} events")
@bp.alt_response(503, schema=ErrorSchema, description="Neither store took the events; retry")
def post_batch(body: dict):
    events = body["events"]
    if len(events) > services.MAX_BATCH:
        return json_error(
            413, "too_many_events", _("At most %(n)d events per batch.", n=services.MAX_BATCH)
        )
    brand = _bearer_user()
    brand = brand if brand is not None and brand.role == Role.BRAND else None
    signed = signed_by_edge(request.get_data(cache=True))
    if brand is None and not signed:
        return json_error(
            401, "unauthorized", _("A brand API key or a valid signature is required.")
        )
    codes = {e["code"] for e in events if isinstance(e, dict) and isinstance(e.get("code"), str)}
    notes = services.published_notes_by_code(codes) if signed else {}
    now = repr(time.time())  # the time of events sent without one
    hits, conversions, rejected = [], [], []
    for index, event in enumerate(events):
        try:
            kind, values = _load_event(event, brand, signed)
            if kind == "conversion":
                values.pop("type")
                conversions.append((index, services.validate_conversion(values)))
            else:
                hits.append(services.validate_hit(values, notes, now))
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
    return {
        "accepted": len(hits) + len(conversions),
        "rejected": rejected,
        "conversions": results,
        "buffer": stored_in,
    }


STATS = "api.stats"


def _stats_response(query: dict, readable: Callable[[], dict]):
    """``query``: the declared StatsQuery, parsed (``from``/``to`` as dates); ``readable()``:
    the access check (NotFound for others), giving the scope and ``with_money``. The
    serialised body is what is kept (app/pagecache.py), shared by everyone who may read it and,
    with Redis, built by one process for all of them (``viewer_cache.shared_data``), and
    each caller's access check with it (``viewer_data``: dropped on the caller's own changes),
    so a repeated read costs no query and no serialisation, for at most
    ANALYTICS_DASHBOARD_SECONDS, as on the dashboard page."""
    rng = queries.make_range(query.get("date_from"), query.get("date_to"), query.get("granularity"))
    seconds = current_app.config["ANALYTICS_DASHBOARD_SECONDS"]

    def checked() -> str:
        scope = readable()
        brand = scope.pop("stamp_brand")  # whose changes move what these figures show

        def build() -> str:
            stats = queries.stats_for(rng=rng, **scope)
            for row in stats["series"]:
                row["at"] = _iso(row["at"])
            return jsonify(Stats().dump(stats)).get_data(as_text=True)

        if not seconds:
            return build()
        key = ("api.stats", tuple(sorted(scope.items())), rng.since, rng.until, rng.granularity)
        return viewer_cache.shared_data(
            key, build, ttl=seconds, scopes=_scopes(scope), stamps=stamps.keys_for_brand(brand)
        )

    if not seconds:
        body = checked()
    else:
        key = (STATS, _stats_query())  # what deal_lists.served_to_caller_first reads
        body = viewer_cache.viewer_data(api_user().id, key, checked, ttl=seconds)
    return current_app.response_class(body, mimetype="application/json")


def _stats_query() -> bytes:
    """What a caller's stats answer is kept under besides STATS: the path, the query string and
    the day (UTC), which the default range ends on (``queries.make_range``)."""
    today = datetime.now(UTC).date().isoformat()
    return b"%s?%s@%s" % (request.path.encode(), request.query_string, today.encode())


def _scopes(scope: dict) -> tuple[str, ...]:
    names = {"campaign_id": "campaign", "note_id": "note", "kol_id": "kol"}
    return tuple(f"{names[k]}:{v}" for k, v in scope.items() if k in names) or ("all",)


def _stats_doc(operation_id: str, summary: str):
    def decorate(view):
        view = bp.alt_response(404, schema=ErrorSchema, description="Not yours or not found")(view)
        view = bp.response(200, Stats, description="Totals, series and per-note rows")(view)
        view = bp.arguments(StatsQuery, location="query")(view)
        return bp.doc(operationId=operation_id, summary=summary)(view)

    return decorate


@bp.get("/campaigns/<int:campaign_id>/stats")
@deal_lists.served_to_caller_first(STATS, _stats_query)
@api_access(Role.BRAND)
@_stats_doc("getCampaignStats", "A campaign's analytics (its brand)")
def campaign_stats(args: dict, campaign_id: int):
    def readable() -> dict:
        campaign = queries.brand_campaign(brand_id=api_user().id, campaign_id=campaign_id)
        return {"campaign_id": campaign.id, "stamp_brand": campaign.brand_id}

    return _stats_response(args, readable)


@bp.get("/notes/<int:note_id>/stats")
@deal_lists.served_to_caller_first(STATS, _stats_query)
@api_access(SIGNED_IN)
@_stats_doc("getNoteStats", "A note's analytics (its brand or KOL)")
def note_stats(args: dict, note_id: int):
    def readable() -> dict:
        note = queries.readable_note(note_id=note_id, user=api_user())
        return {"note_id": note.id, "with_money": api_user().id == note.brand_id,
                "stamp_brand": note.brand_id}  # fmt: skip

    return _stats_response(args, readable)


@bp.get("/contracts/<int:contract_id>/stats")
@deal_lists.served_to_caller_first(STATS, _stats_query)
@api_access(SIGNED_IN)
@_stats_doc("getContractStats", "A contract's analytics (brand or KOL)")
def contract_stats(args: dict, contract_id: int):
    def readable() -> dict:
        contract = queries.readable_contract(contract_id=contract_id, user=api_user())
        return {"contract_id": contract.id, "with_money": api_user().id == contract.brand_id,
                "stamp_brand": contract.brand_id}  # fmt: skip

    return _stats_response(args, readable)
