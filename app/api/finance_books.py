"""/api/v1/finance books: a correcting journal entry, reconciliation runs, resolving a
difference and closing a period — finance staff's alone, through the same services (and
audit log) as the finance pages."""

from __future__ import annotations

from flask import request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.finance import STAFF, FinanceEntry, entry_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema, PageArgs, StrictInteger, StrictSchema, page_of, text
from app.auth.models import Role
from app.errors import json_error
from app.extensions import db
from app.finance import reconcile, services
from app.finance.models import (
    DIFFERENCES,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
)
from app.ledger.models import KINDS
from app.money import MAX_MINOR_AMOUNT
from app.pagination import page_json

_STATE = {"schema": ErrorSchema, "description": "Not in a state this applies to"}
REASON = {"description": "Why (kept with the entry and in the audit log)"}


class CorrectionLeg(StrictSchema):
    account = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    amount = StrictInteger(
        required=True,
        validate=validate.Range(min=-MAX_MINOR_AMOUNT, max=MAX_MINOR_AMOUNT),
        metadata={"description": "Minor units: debit +, credit −; the legs balance"},
    )
    owner_id = StrictInteger(
        load_default=None, allow_none=True, validate=validate.Range(min=1),
        metadata={"description": "The contract (held, refunds) or the KOL (payable)"},
    )  # fmt: skip


class Correction(StrictSchema):
    reason = text(2000, required=True, min_length=1, metadata=REASON)
    legs = fields.List(fields.Nested(CorrectionLeg), required=True,
                       validate=validate.Length(min=2, max=10))  # fmt: skip


class NewRun(StrictSchema):
    date_from = fields.Date(required=True, metadata={"description": "First UTC day"})
    date_to = fields.Date(required=True, metadata={"description": "Last UTC day, included"})


class Resolution(StrictSchema):
    note = text(2000, required=True, min_length=1, metadata=REASON)
    correction_entry_id = StrictInteger(load_default=None, allow_none=True,
                                        validate=validate.Range(min=1))  # fmt: skip


class CloseNote(StrictSchema):
    reason = text(2000, load_default="", metadata={"description": "Optional note"})


class RunSchema(Schema):
    id = fields.Integer(required=True)
    period_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "queued: the job runs it"})
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class ItemSchema(Schema):
    id = fields.Integer(required=True)
    run_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    txn_type = fields.String(required=True)
    stripe_object_id = fields.String(required=True, allow_none=True)
    currency = fields.String(required=True)
    stripe_amount = fields.Integer(required=True, allow_none=True)
    ledger_amount = fields.Integer(required=True, allow_none=True)
    resolved_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    resolution_note = fields.String(required=True, allow_none=True)
    correction_entry_id = fields.Integer(required=True, allow_none=True)


class PeriodSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    closed_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


@bp.post("/finance/entries/<int:entry_id>/corrections")
@api_access(Role.FINANCE)
@bp.doc(operationId="correctLedgerEntry",
        summary="Post a correcting entry for a journal entry (the ledger stays append-only)")  # fmt: skip
@bp.arguments(Correction)
@bp.response(201, FinanceEntry)
@bp.alt_response(404, schema=ErrorSchema, description="No such journal entry")
def correct_ledger_entry(payload: dict, entry_id: int):
    legs = [(leg["account"], leg["amount"], leg["owner_id"]) for leg in payload["legs"]]
    entry = services.correct_entry(entry_id=entry_id, actor_id=api_user().id, legs=legs,
                                   reason=payload["reason"], ip=request.remote_addr)  # fmt: skip
    db.session.commit()
    return entry_json(entry)


@bp.post("/finance/reconciliation/runs")
@api_access(Role.FINANCE)
@bp.doc(operationId="startReconciliation",
        summary="Reconcile UTC days against Stripe's balance transactions (a queued job)")  # fmt: skip
@bp.arguments(NewRun)
@bp.response(201, RunSchema)
@bp.alt_response(409, **_STATE)
def start_reconciliation(payload: dict):
    run: ReconciliationRun = reconcile.start_reconciliation(
        date_from=payload["date_from"], date_to=payload["date_to"], actor_id=api_user().id,
        ip=request.remote_addr,
    )  # fmt: skip
    db.session.commit()
    return {"id": run.id, "period_id": run.period_id, "status": run.status,
            "created_at": run.created_at.isoformat()}  # fmt: skip


@bp.post("/finance/reconciliation/items/<int:item_id>/resolve")
@api_access(Role.FINANCE)
@bp.doc(operationId="resolveReconciliationItem",
        summary="Mark a difference resolved, with a note (and its correcting entry, if any)")  # fmt: skip
@bp.arguments(Resolution)
@bp.response(200, ItemSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such difference")
@bp.alt_response(409, **_STATE)
def resolve_reconciliation_item(payload: dict, item_id: int):
    item: ReconciliationItem = services.resolve_difference(
        item_id=item_id, actor_id=api_user().id, note=payload["note"],
        correction_entry_id=payload["correction_entry_id"], ip=request.remote_addr,
    )  # fmt: skip
    db.session.commit()
    return item_json(item)


def item_json(item: ReconciliationItem) -> dict:
    when = item.resolved_at.isoformat() if item.resolved_at else None
    return {"id": item.id, "run_id": item.run_id, "kind": item.kind, "txn_type": item.txn_type,
            "stripe_object_id": item.stripe_object_id, "currency": item.currency,
            "stripe_amount": item.stripe_amount, "ledger_amount": item.ledger_amount,
            "resolved_at": when, "resolution_note": item.resolution_note,
            "correction_entry_id": item.correction_entry_id}  # fmt: skip


@bp.get("/finance/reconciliation/runs/<int:run_id>/differences")
@api_access(*STAFF)
@bp.doc(operationId="listReconciliationDifferences",
        summary="A run's differences (what did not match), resolved or not")  # fmt: skip
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(ItemSchema, "ReconciliationItemList"))
@bp.alt_response(404, schema=ErrorSchema, description="No such run")
def list_reconciliation_differences(args: dict, run_id: int):
    if db.session.get(ReconciliationRun, run_id) is None:
        return json_error(404, "not_found", "No such reconciliation run.")
    stmt = (
        select(ReconciliationItem)
        .where(ReconciliationItem.run_id == run_id, ReconciliationItem.kind.in_(DIFFERENCES))
        .order_by(ReconciliationItem.id)
    )
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_json(page, [item_json(i) for i in page.items])


@bp.post("/finance/reconciliation/periods/<int:period_id>/close")
@api_access(Role.FINANCE)
@bp.doc(operationId="closeReconciliationPeriod",
        summary="Close a reconciled period (every difference resolved); its entries lock")  # fmt: skip
@bp.arguments(CloseNote)
@bp.response(200, PeriodSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such period")
@bp.alt_response(409, **_STATE)
def close_reconciliation_period(payload: dict, period_id: int):
    period: ReconciliationPeriod = services.close_period(
        period_id=period_id, actor_id=api_user().id, reason=payload["reason"],
        ip=request.remote_addr,
    )  # fmt: skip
    db.session.commit()
    return {"id": period.id, "status": period.status,
            "closed_at": period.closed_at.isoformat() if period.closed_at else None}  # fmt: skip
