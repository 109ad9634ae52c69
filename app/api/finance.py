"""/api/v1/finance: read-only figures, payouts and ledger entries for finance staff."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from sqlalchemy import select

from app.api.auth import api_access
from app.api.openapi import document
from app.api.routes import bp
from app.auth.models import Role
from app.errors import ValidationFailed
from app.extensions import db
from app.finance.queries import dashboard
from app.ledger.models import JournalEntry
from app.payments.models import Payout, PayoutStatus

STAFF = (Role.FINANCE, Role.ADMIN)


def _day(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({name: ["Use YYYY-MM-DD."]}) from None


def _limit() -> int:
    value = request.args.get("limit", "100")
    if not value.isdecimal() or not 1 <= int(value) <= 500:
        raise ValidationFailed({"limit": ["Between 1 and 500."]})
    return int(value)


@bp.get("/finance/summary")
@api_access(*STAFF)
def finance_summary():
    board = dashboard(_day("from"), _day("to"))
    return jsonify(
        date_from=board.date_from.isoformat(),
        date_to=board.date_to.isoformat(),
        figures=board.figures,
    )


document(
    "/finance/summary",
    "get",
    {
        "summary": "Ledger figures per currency (held, payable, funded, released, paid out, …)",
        "operationId": "getFinanceSummary",
        "parameters": [
            {"name": n, "in": "query", "schema": {"type": "string", "format": "date"}}
            for n in ("from", "to")
        ],
        "responses": {
            "200": {"description": "Figures in minor units per currency"},
            "422": {"description": "Bad date"},
        },
    },
)


@bp.get("/finance/payouts")
@api_access(*STAFF)
def finance_payouts():
    stmt = select(Payout).order_by(Payout.id.desc()).limit(_limit())
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in PayoutStatus}:
            raise ValidationFailed({"status": ["Unknown payout status."]})
        stmt = stmt.where(Payout.status == PayoutStatus(status))
    return jsonify(
        payouts=[
            {
                "id": p.id,
                "contract_id": p.contract_id,
                "kol_id": p.kol_id,
                "stage": p.stage,
                "amount": p.amount,
                "amount_reversed": p.amount_reversed,
                "currency": p.currency,
                "status": p.status.value,
                "transfer_id": p.transfer_id,
                "created_at": p.created_at.isoformat(),
            }
            for p in db.session.scalars(stmt)
        ]
    )


document(
    "/finance/payouts",
    "get",
    {
        "summary": "Payouts, newest first",
        "operationId": "listFinancePayouts",
        "parameters": [
            {"name": "status", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}},
        ],
        "responses": {"200": {"description": "Payouts"}, "422": {"description": "Bad filter"}},
    },
)


@bp.get("/finance/entries")
@api_access(*STAFF)
def finance_entries():
    stmt = select(JournalEntry).order_by(JournalEntry.id.desc()).limit(_limit())
    contract = request.args.get("contract_id")
    if contract:
        if not contract.isdecimal():
            raise ValidationFailed({"contract_id": ["A contract id is a number."]})
        stmt = stmt.where(JournalEntry.contract_id == int(contract))
    if request.args.get("stripe_object_id"):
        stmt = stmt.where(JournalEntry.stripe_object_id == request.args["stripe_object_id"])
    return jsonify(
        entries=[
            {
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
            for e in db.session.scalars(stmt)
        ]
    )


document(
    "/finance/entries",
    "get",
    {
        "summary": "Journal entries (read-only), newest first",
        "operationId": "listFinanceEntries",
        "parameters": [
            {"name": n, "in": "query", "schema": {"type": "string"}}
            for n in ("contract_id", "stripe_object_id", "limit")
        ],
        "responses": {
            "200": {"description": "Entries with their lines"},
            "422": {"description": "Bad filter"},
        },
    },
)
