"""/api/v1/finance: read-only figures, payouts and ledger entries for finance staff."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.auth import api_access
from app.api.routes import bp
from app.api.schemas import CursorPageArgs, PageArgs, StrictSchema, page_of, text
from app.auth.models import Role
from app.extensions import db
from app.finance.figures import dashboard
from app.ledger.models import JournalEntry
from app.pagination import list_page, page_json
from app.payments.models import Payout, PayoutStatus
from app.stored_text import payout_problem_text

STAFF = (Role.FINANCE, Role.ADMIN)


class SummaryQuery(StrictSchema):
    date_from = fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD"})
    date_to = fields.Date(data_key="to", metadata={"description": "YYYY-MM-DD"})


class Summary(Schema):
    date_from = fields.String(required=True, metadata={"format": "date"})
    date_to = fields.String(required=True, metadata={"format": "date"})
    figures = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={"description": "currency → figure → amount in minor units"},
    )


class PayoutQuery(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in PayoutStatus]))


class EntryQuery(CursorPageArgs):
    contract_id = fields.Integer(validate=validate.Range(min=1))
    stripe_object_id = text(80)


_WHY = "Why it is %s, in your language; Stripe's errors and finance's typed reasons as written"


class FinancePayout(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    amount = fields.Integer(required=True)
    amount_reversed = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True)
    transfer_id = fields.String(required=True, allow_none=True)
    hold_reason = fields.String(
        required=True, allow_none=True, metadata={"description": _WHY % "held"}
    )
    last_error = fields.String(
        required=True, allow_none=True, metadata={"description": _WHY % "waiting or failed"}
    )
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class Line(Schema):
    account = fields.String(required=True)
    amount = fields.Integer(required=True)
    currency = fields.String(required=True)


class FinanceEntry(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    contract_id = fields.Integer(required=True, allow_none=True)
    memo = fields.String(required=True)
    stripe_object_id = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    lines = fields.List(fields.Nested(Line), required=True)


@bp.get("/finance/summary")
@api_access(*STAFF)
@bp.doc(
    operationId="getFinanceSummary",
    summary="Ledger figures per currency (held, payable, funded, released, paid out, …)",
)
@bp.arguments(SummaryQuery, location="query")
@bp.response(200, Summary)
def finance_summary(args: dict):
    board = dashboard(**args)  # date_from, date_to (sent as ?from= and ?to=)
    return {
        "date_from": board.date_from.isoformat(),
        "date_to": board.date_to.isoformat(),
        "figures": board.figures,
    }


@bp.get("/finance/payouts")
@api_access(*STAFF)
@bp.doc(operationId="listFinancePayouts", summary="Payouts, newest first")
@bp.arguments(PayoutQuery, location="query")
@bp.response(200, page_of(FinancePayout, "FinancePayoutList"))
def finance_payouts(args: dict):
    stmt = select(Payout).order_by(Payout.id.desc())
    if args.get("status"):
        stmt = stmt.where(Payout.status == PayoutStatus(args["status"]))
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_json(page, [payout_json(p) for p in page.items])


def payout_json(p: Payout) -> dict:
    return {
        "id": p.id,
        "contract_id": p.contract_id,
        "kol_id": p.kol_id,
        "stage": p.stage,
        "amount": p.amount,
        "amount_reversed": p.amount_reversed,
        "currency": p.currency,
        "status": p.status.value,
        "transfer_id": p.transfer_id,
        "hold_reason": payout_problem_text(p.hold_reason) or None,
        "last_error": payout_problem_text(p.last_error) or None,
        "created_at": p.created_at.isoformat(),
    }


@bp.get("/finance/entries")
@api_access(*STAFF)
@bp.doc(operationId="listFinanceEntries", summary="Journal entries (read-only), newest first")
@bp.arguments(EntryQuery, location="query")
@bp.response(200, page_of(FinanceEntry, "FinanceEntryList"))
def finance_entries(args: dict):
    stmt = select(JournalEntry)
    if args.get("contract_id"):
        stmt = stmt.where(JournalEntry.contract_id == args["contract_id"])
    if args.get("stripe_object_id"):
        stmt = stmt.where(JournalEntry.stripe_object_id == args["stripe_object_id"])
    page = list_page(stmt, (JournalEntry.id,), page=args["page"], per_page=args["per_page"],
                     cursor=args.get("cursor"), numbered_first=True)  # fmt: skip
    items = [entry_json(e) for e in page.items]
    return page_json(page, items)


def entry_json(e: JournalEntry) -> dict:
    return {
        "id": e.id,
        "kind": e.kind,
        "contract_id": e.contract_id,
        "memo": e.memo,
        "stripe_object_id": e.stripe_object_id,
        "created_at": e.created_at.isoformat(),
        "lines": [
            {"account": line.account.code, "amount": line.amount, "currency": line.currency}
            for line in e.lines
        ],
    }
