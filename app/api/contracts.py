"""/api/v1 endpoints for contracts (same services and rules as the web pages)."""

from __future__ import annotations

from flask import jsonify, request

from app.api.auth import api_access, api_user
from app.api.bids import _text, json_body
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.auth.models import Role
from app.contracts import services
from app.contracts.models import Contract, Message
from app.extensions import db
from app.pagination import page_json


def _when(value) -> str | None:
    return value.isoformat() if value else None


def contract_json(contract: Contract) -> dict:
    return {
        "id": contract.id,
        "campaign_id": contract.campaign_id,
        "bid_id": contract.bid_id,
        "brand_id": contract.brand_id,
        "kol_id": contract.kol_id,
        "status": contract.status.value,
        "currency": contract.currency,
        "price": contract.price,
        "brand_fee": contract.brand_fee,
        "brand_total": contract.brand_total,
        "kol_fee": contract.kol_fee,
        "kol_net": contract.kol_net,
        "deliverables": contract.deliverables,
        "due_date": contract.due_date.isoformat(),
        "revision_rounds": contract.revision_rounds,
        "revisions_used": contract.revisions_used,
        "review_window_days": contract.review_window_days,
        "keep_live_days": contract.keep_live_days,
        "usage_rights": contract.usage_rights,
        "created_at": _when(contract.created_at),
        "funding_deadline": _when(contract.funding_deadline),
        "funded_at": _when(contract.funded_at),
        "submitted_at": _when(contract.submitted_at),
        "review_due_at": _when(contract.review_due_at),
        "approved_at": _when(contract.approved_at),
        "keep_live_until": _when(contract.keep_live_until),
        "completed_at": _when(contract.completed_at),
    }


def message_json(message: Message) -> dict:
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "body": message.body,
        "attachment_name": message.attachment_name,
        "created_at": _when(message.created_at),
    }


@bp.get("/contracts")
@api_access(Role.BRAND, Role.KOL)
def list_contracts():
    page = services.contracts_page(
        user=api_user(),
        status=request.args.get("status"),
        page=request.args.get("page", 1, type=int),
        per_page=min(request.args.get("per_page", 20, type=int), 100),
    )
    return jsonify(page_json(page, [contract_json(c) for c in page.items]))


@bp.get("/contracts/<int:contract_id>")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
def get_contract(contract_id: int):
    contract = services.visible_contract(contract_id=contract_id, user=api_user())
    return jsonify(contract_json(contract))


@bp.get("/contracts/<int:contract_id>/messages")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
def list_messages(contract_id: int):
    contract = services.visible_contract(contract_id=contract_id, user=api_user())
    return jsonify(items=[message_json(m) for m in services.messages_of(contract.id)])


@bp.post("/contracts/<int:contract_id>/messages")
@api_access(Role.BRAND, Role.KOL)
def post_message(contract_id: int):
    body = json_body()
    message = services.post_message(
        contract_id=contract_id, sender_id=api_user().id, body=_text(body, "body")
    )
    db.session.commit()
    return jsonify(message_json(message)), 201


# ---- OpenAPI -------------------------------------------------------------------------------

_INT = {"type": "integer"}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
SCHEMAS["Contract"] = {
    "type": "object",
    "description": "Amounts in minor units: the brand pays brand_total, the KOL gets kol_net.",
    "properties": {
        **{
            k: _INT
            for k in (
                "id",
                "campaign_id",
                "bid_id",
                "brand_id",
                "kol_id",
                "price",
                "brand_fee",
                "brand_total",
                "kol_fee",
                "kol_net",
                "revision_rounds",
                "revisions_used",
                "review_window_days",
                "keep_live_days",
            )
        },
        "status": {
            "type": "string",
            "enum": [
                "awaiting_funding",
                "funded",
                "in_review",
                "changes_requested",
                "approved",
                "released",
                "completed",
                "cancelled",
                "disputed",
                "resolved",
                "frozen",
            ],
        },
        "currency": {"type": "string"},
        "deliverables": {"type": "string"},
        "due_date": {"type": "string", "format": "date"},
        "usage_rights": {"type": "string"},
        **{
            k: _TIME
            for k in (
                "created_at",
                "funding_deadline",
                "funded_at",
                "submitted_at",
                "review_due_at",
                "approved_at",
                "keep_live_until",
                "completed_at",
            )
        },
    },
}
SCHEMAS["ContractList"] = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Contract"}},
        "page": _INT,
        "per_page": _INT,
        "pages": _INT,
        "total": _INT,
    },
}
SCHEMAS["Message"] = {
    "type": "object",
    "properties": {
        "id": _INT,
        "sender_id": _INT,
        "body": {"type": "string"},
        "attachment_name": {"type": "string", "nullable": True},
        "created_at": _TIME,
    },
}


def _json(schema: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_ID = {"in": "path", "name": "contract_id", "required": True, "schema": _INT}
_404 = error_response("Not found, or not a party to it")

document(
    "/contracts",
    "get",
    {
        "summary": "My contracts (as brand or KOL), newest first",
        "operationId": "listContracts",
        "parameters": [
            {"in": "query", "name": "status", "schema": {"type": "string"}},
            {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
            {"in": "query", "name": "per_page", "schema": {"type": "integer", "maximum": 100}},
        ],
        "responses": {"200": _json("ContractList", "A page of contracts")},
    },
)
document(
    "/contracts/{contract_id}",
    "get",
    {
        "summary": "One contract (its brand, its KOL, admins)",
        "operationId": "getContract",
        "parameters": [_ID],
        "responses": {"200": _json("Contract", "The contract"), "404": _404},
    },
)
document(
    "/contracts/{contract_id}/messages",
    "get",
    {
        "summary": "The message thread of a contract, oldest first",
        "operationId": "listMessages",
        "parameters": [_ID],
        "responses": {
            "200": {
                "description": "The thread",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Message"},
                                }
                            },
                        }
                    }
                },
            },
            "404": _404,
        },
    },
)
document(
    "/contracts/{contract_id}/messages",
    "post",
    {
        "summary": "Write on the thread (plain text; attachments only on the web page)",
        "operationId": "postMessage",
        "parameters": [_ID],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["body"],
                        "properties": {"body": {"type": "string", "maxLength": 5000}},
                    }
                }
            },
        },
        "responses": {
            "201": _json("Message", "The message"),
            "404": _404,
            "422": error_response("Empty or too long"),
        },
    },
)
