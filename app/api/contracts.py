"""/api/v1 endpoints for contracts (same services and rules as the web pages)."""

from __future__ import annotations

from sqlalchemy import select

from app.api import deal_lists
from app.api.auth import api_access, api_user
from app.api.contract_schemas import (
    ContractList,
    ContractQuery,
    ContractSchema,
    MessageList,
    MessageSchema,
    NewMessage,
)
from app.api.outcome_schemas import terms_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema, PageArgs
from app.auth.models import Role
from app.contracts import services
from app.contracts.deliverables import deliverables_for
from app.contracts.models import Contract, Deliverable, Message
from app.extensions import db
from app.notes.models import Note
from app.pagination import Page, page_json


def _when(value) -> str | None:
    return value.isoformat() if value else None


def deliverable_json(part: Deliverable, note_id: int | None) -> dict:
    return {
        "id": part.id,
        "position": part.position,
        "kind": part.kind.value,
        "due_date": part.due_date.isoformat(),
        "share": part.share,
        "status": part.status.value,
        "revisions_used": part.revisions_used,
        "note_id": note_id,
        "submitted_at": _when(part.submitted_at),
        "review_due_at": _when(part.review_due_at),
        "approved_at": _when(part.approved_at),
    }


def _deliverables(contract_ids) -> dict[int, list[dict]]:
    """Each contract's deliverables as JSON, with their notes' ids (two queries)."""
    parts = deliverables_for(contract_ids)
    ids = [p.id for rows in parts.values() for p in rows]
    notes = dict(
        db.session.execute(
            select(Note.deliverable_id, Note.id).where(Note.deliverable_id.in_(ids))
        ).all()
    )
    return {
        cid: [deliverable_json(p, notes.get(p.id)) for p in rows] for cid, rows in parts.items()
    }


def contract_json(contract: Contract, deliverables: list[dict] | None = None) -> dict:
    if deliverables is None:
        deliverables = _deliverables([contract.id])[contract.id]
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
        "deliverable_items": deliverables,
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
        "terms": terms_json(contract),
        "outcome_fee": contract.outcome_fee,
        "licence_brand_fee": contract.licence_brand_fee,
        "licence_kol_fee": contract.licence_kol_fee,
        "licence_ends_at": _when(contract.licence_ends_at),
        "promo_code": contract.promo_code,
    }


def message_json(message: Message) -> dict:
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "body": message.body,
        "attachment_name": message.attachment_name,
        "created_at": _when(message.created_at),
    }


_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not a party to it"}


@bp.get("/contracts")
@deal_lists.served_to_caller_first("api.contracts")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(operationId="listContracts", summary="My contracts (as brand or KOL), newest first")
@bp.arguments(ContractQuery, location="query")
@bp.response(200, ContractList)
def list_contracts(args: dict):
    """Kept per caller (app/api/deal_lists.py): a repeat costs no query."""
    user = api_user()

    def build() -> dict:
        page = services.contracts_page(
            user=user, status=args.get("status"), page=args["page"], per_page=args["per_page"],
            cursor=args.get("cursor"),
        )  # fmt: skip
        parts = _deliverables(c.id for c in page.items)
        return page_json(page, [contract_json(c, parts[c.id]) for c in page.items])

    return deal_lists.cached_list(user.id, "api.contracts", ContractList, build)


@bp.get("/contracts/<int:contract_id>")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
@bp.doc(operationId="getContract", summary="One contract (its brand, its KOL, admins)")
@bp.response(200, ContractSchema)
@bp.alt_response(404, **_NOT_FOUND)
def get_contract(contract_id: int):
    return contract_json(services.visible_contract(contract_id=contract_id, user=api_user()))


@bp.get("/contracts/<int:contract_id>/messages")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
@bp.doc(operationId="listMessages", summary="The message thread of a contract, oldest first")
@bp.arguments(PageArgs, location="query")
@bp.response(200, MessageList)
@bp.alt_response(404, **_NOT_FOUND)
def list_messages(args: dict, contract_id: int):
    contract = services.visible_contract(contract_id=contract_id, user=api_user())
    thread = services.messages_of(contract.id)
    page, per_page = args["page"], args["per_page"]
    shown = Page(thread[(page - 1) * per_page : page * per_page], page, per_page, len(thread))
    return page_json(shown, [message_json(m) for m in shown.items])


@bp.post("/contracts/<int:contract_id>/messages")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="postMessage",
    summary="Write on the thread (plain text; attachments only on the web page)",
)
@bp.arguments(NewMessage)
@bp.response(201, MessageSchema)
@bp.alt_response(404, **_NOT_FOUND)
def post_message(body: dict, contract_id: int):
    message = services.post_message(
        contract_id=contract_id, sender_id=api_user().id, body=body["body"]
    )
    db.session.commit()
    return message_json(message)
