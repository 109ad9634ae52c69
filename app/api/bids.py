"""/api/v1 endpoints for bids (same services and rules as the web pages)."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.auth.models import Role
from app.bids import services
from app.bids.models import Bid
from app.errors import ValidationFailed
from app.extensions import db
from app.pagination import page_json


def json_body() -> dict:
    """The request's JSON object; anything else is a 422 naming the body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_("Send a JSON object.")]})
    return body


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValidationFailed({name: [_("Must be a string.")]})
    return value


def _date(body: dict, name: str) -> date | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({name: [_("Use a date as YYYY-MM-DD.")]}) from None


def bid_json(bid: Bid) -> dict:
    fees = services.fees_for(price=bid.price, currency=bid.currency)
    return {
        "id": bid.id,
        "campaign_id": bid.campaign_id,
        "kol_id": bid.kol_id,
        "status": bid.status.value,
        "turn": bid.turn if bid.is_active else None,
        "price": bid.price,
        "currency": bid.currency,
        "fees": fees.as_dict(),
        "pitch": bid.pitch,
        "proposed_delivery": bid.proposed_delivery.isoformat(),
        "reject_reason": bid.reject_reason,
        "created_at": bid.created_at.isoformat(),
        "decided_at": bid.decided_at.isoformat() if bid.decided_at else None,
        "offers": [
            {
                "by": offer.by_role,
                "price": offer.price,
                "message": offer.message,
                "created_at": offer.created_at.isoformat(),
            }
            for offer in bid.offers
        ],
    }


@bp.get("/campaigns/<int:campaign_id>/bids")
@api_access(Role.BRAND)
def campaign_bids(campaign_id: int):
    rows = services.campaign_bid_rows(
        campaign_id=campaign_id,
        brand_id=api_user().id,
        sort=request.args.get("sort", "price"),
        show=request.args.get("show", "active"),
    )
    items = []
    for row in rows:
        item = bid_json(row.bid)
        item["kol"] = {
            "name": row.profile.display_name if row.profile else None,
            "tier": row.profile.tier if row.profile else None,
            "followers": row.profile.total_followers if row.profile else None,
            "rating": row.rating[0] if row.rating else None,
            "ratings": row.rating[1] if row.rating else 0,
            "reliability": row.reliability.score if row.reliability else None,
        }
        items.append(item)
    return jsonify(items=items)


@bp.post("/campaigns/<int:campaign_id>/bids")
@api_access(Role.KOL)
def create_bid(campaign_id: int):
    body = json_body()
    bid = services.create_bid(
        campaign_id=campaign_id,
        kol_id=api_user().id,
        price=_text(body, "price"),
        pitch=_text(body, "pitch"),
        proposed_delivery=_date(body, "proposed_delivery"),
    )
    db.session.commit()
    return jsonify(bid_json(bid)), 201


@bp.get("/bids")
@api_access(Role.BRAND, Role.KOL)
def my_bids():
    page = services.bids_page(
        user=api_user(),
        status=request.args.get("status"),
        page=request.args.get("page", 1, type=int),
        per_page=min(request.args.get("per_page", 20, type=int), 100),
    )
    return jsonify(page_json(page, [bid_json(b) for b in page.items]))


@bp.get("/bids/<int:bid_id>")
@api_access(Role.BRAND, Role.KOL)
def get_bid(bid_id: int):
    bid, _campaign = services.visible_bid(bid_id=bid_id, user_id=api_user().id)
    return jsonify(bid_json(bid))


@bp.post("/bids/<int:bid_id>/accept")
@api_access(Role.BRAND, Role.KOL)
def accept_bid(bid_id: int):
    from app.api.contracts import contract_json

    contract = services.accept_bid(bid_id=bid_id, user_id=api_user().id)
    db.session.commit()
    return jsonify(contract_json(contract)), 201


@bp.post("/bids/<int:bid_id>/reject")
@api_access(Role.BRAND, Role.KOL)
def reject_bid(bid_id: int):
    body = request.get_json(silent=True) or {}
    reason = _text(body, "reason") if isinstance(body, dict) else ""
    bid = services.reject_bid(bid_id=bid_id, user_id=api_user().id, reason=reason)
    db.session.commit()
    return jsonify(bid_json(bid))


@bp.post("/bids/<int:bid_id>/counter")
@api_access(Role.BRAND, Role.KOL)
def counter_bid(bid_id: int):
    body = json_body()
    bid = services.counter_bid(
        bid_id=bid_id,
        user_id=api_user().id,
        price=_text(body, "price"),
        message=_text(body, "message"),
    )
    db.session.commit()
    return jsonify(bid_json(bid))


@bp.post("/bids/<int:bid_id>/withdraw")
@api_access(Role.KOL)
def withdraw_bid(bid_id: int):
    bid = services.withdraw_bid(bid_id=bid_id, kol_id=api_user().id)
    db.session.commit()
    return jsonify(bid_json(bid))


# ---- OpenAPI -------------------------------------------------------------------------------

SCHEMAS["Fees"] = {
    "type": "object",
    "description": "Amounts in minor units of the currency (cents; yen for JPY).",
    "properties": {
        k: {"type": "integer"} for k in ("price", "brand_fee", "brand_total", "kol_fee", "kol_net")
    }
    | {"currency": {"type": "string"}},
}
SCHEMAS["Offer"] = {
    "type": "object",
    "properties": {
        "by": {"type": "string", "enum": ["brand", "kol"]},
        "price": {"type": "integer"},
        "message": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
SCHEMAS["Bid"] = {
    "type": "object",
    "required": ["id", "campaign_id", "kol_id", "status", "price", "currency"],
    "properties": {
        "id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "kol_id": {"type": "integer"},
        "status": {
            "type": "string",
            "enum": ["pending", "countered", "accepted", "rejected", "withdrawn", "expired"],
        },
        "turn": {
            "type": "string",
            "enum": ["brand", "kol"],
            "nullable": True,
            "description": "Who must answer (accept, counter or reject) while the bid is open.",
        },
        "price": {"type": "integer", "description": "The offer on the table, in minor units."},
        "currency": {"type": "string"},
        "fees": {"$ref": "#/components/schemas/Fees"},
        "pitch": {"type": "string"},
        "proposed_delivery": {"type": "string", "format": "date"},
        "reject_reason": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "decided_at": {"type": "string", "format": "date-time", "nullable": True},
        "offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}},
        "kol": {"type": "object", "description": "On the brand's comparison list only."},
    },
}
SCHEMAS["BidList"] = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Bid"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "pages": {"type": "integer"},
        "total": {"type": "integer"},
    },
}
SCHEMAS["NewBid"] = {
    "type": "object",
    "required": ["price", "pitch", "proposed_delivery"],
    "properties": {
        "price": {"type": "string", "example": "500.00", "description": "Major units."},
        "pitch": {"type": "string", "maxLength": 5000},
        "proposed_delivery": {"type": "string", "format": "date"},
    },
}
SCHEMAS["Counter"] = {
    "type": "object",
    "required": ["price"],
    "properties": {
        "price": {"type": "string", "example": "450.00", "description": "Major units."},
        "message": {"type": "string", "maxLength": 2000},
    },
}


def _json(schema: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _body(schema: str) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_ID = {"in": "path", "required": True, "schema": {"type": "integer"}}
_404 = error_response("Not found, or not yours")
_409 = error_response("The bid moved on: not your turn, already decided, budget spent")
_422 = error_response("A field is not valid (named in fields)")

document(
    "/campaigns/{campaign_id}/bids",
    "get",
    {
        "summary": "The bids on one of your campaigns (brand), with KOL facts to compare",
        "operationId": "listCampaignBids",
        "parameters": [
            {**_ID, "name": "campaign_id"},
            {
                "in": "query",
                "name": "sort",
                "schema": {
                    "type": "string",
                    "enum": ["price", "-price", "followers", "rating", "reliability", "newest"],
                },
            },
            {
                "in": "query",
                "name": "show",
                "schema": {"type": "string", "enum": ["active", "all"]},
            },
        ],
        "responses": {"200": _json("BidList", "The bids"), "404": _404},
    },
)
document(
    "/campaigns/{campaign_id}/bids",
    "post",
    {
        "summary": "Bid on an open campaign (verified KOL; one active bid per campaign)",
        "operationId": "createBid",
        "parameters": [{**_ID, "name": "campaign_id"}],
        "requestBody": _body("NewBid"),
        "responses": {"201": _json("Bid", "The new bid"), "404": _404, "409": _409, "422": _422},
    },
)
document(
    "/bids",
    "get",
    {
        "summary": "My bids (KOL) or the bids on my campaigns (brand)",
        "operationId": "listBids",
        "parameters": [
            {
                "in": "query",
                "name": "status",
                "description": "A bid status, or `waiting` for bids waiting for your answer.",
                "schema": {"type": "string"},
            },
            {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
            {"in": "query", "name": "per_page", "schema": {"type": "integer", "maximum": 100}},
        ],
        "responses": {"200": _json("BidList", "A page of bids")},
    },
)
document(
    "/bids/{bid_id}",
    "get",
    {
        "summary": "One bid with its offer history (its KOL and the campaign's brand only)",
        "operationId": "getBid",
        "parameters": [{**_ID, "name": "bid_id"}],
        "responses": {"200": _json("Bid", "The bid"), "404": _404},
    },
)
document(
    "/bids/{bid_id}/accept",
    "post",
    {
        "summary": "Accept the price on the table (the side whose turn it is); creates the "
        "contract",
        "operationId": "acceptBid",
        "parameters": [{**_ID, "name": "bid_id"}],
        "responses": {"201": _json("Contract", "The new contract"), "404": _404, "409": _409},
    },
)
document(
    "/bids/{bid_id}/reject",
    "post",
    {
        "summary": "Reject a bid (brand) or decline a counter-offer (KOL), on your turn",
        "operationId": "rejectBid",
        "parameters": [{**_ID, "name": "bid_id"}],
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"reason": {"type": "string"}}}
                }
            },
        },
        "responses": {"200": _json("Bid", "The bid"), "404": _404, "409": _409},
    },
)
document(
    "/bids/{bid_id}/counter",
    "post",
    {
        "summary": "Counter with a new price, on your turn",
        "operationId": "counterBid",
        "parameters": [{**_ID, "name": "bid_id"}],
        "requestBody": _body("Counter"),
        "responses": {"200": _json("Bid", "The bid"), "404": _404, "409": _409, "422": _422},
    },
)
document(
    "/bids/{bid_id}/withdraw",
    "post",
    {
        "summary": "Withdraw your bid (KOL) while pending or your turn",
        "operationId": "withdrawBid",
        "parameters": [{**_ID, "name": "bid_id"}],
        "responses": {"200": _json("Bid", "The bid"), "404": _404, "409": _409},
    },
)
