"""/api/v1 money endpoints: fund a contract, read its money and ledger, list payouts."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.payment_schemas import Checkout, ContractMoney, LedgerPage, PayoutList
from app.api.routes import bp
from app.api.schemas import ErrorSchema, PageArgs
from app.auth.models import Role
from app.contracts.models import Contract
from app.contracts.services import visible_contract
from app.errors import DomainError, json_error
from app.extensions import db
from app.ledger.models import JournalEntry
from app.pagination import page_json
from app.payments import gateway
from app.payments.funding import start_funding
from app.payments.models import Payout
from app.payments.queries import money_for_contracts, payment_failures
from app.payments.stripe_errors import user_error

log = logging.getLogger(__name__)
_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not a party to it"}


def _readable_contract(contract_id: int) -> Contract:
    """Its brand, its KOL and admins read a contract's money as they read the contract."""
    return visible_contract(contract_id=contract_id, user=api_user())


def _payout_json(payout: Payout) -> dict:
    return {
        "id": payout.id,
        "contract_id": payout.contract_id,
        "stage": payout.stage,
        "amount": payout.amount,
        "amount_reversed": payout.amount_reversed,
        "currency": payout.currency,
        "status": payout.status.value,
        "transfer_id": payout.transfer_id,
    }


@bp.post("/contracts/<int:contract_id>/fund")
@api_access(Role.BRAND)
@bp.doc(
    operationId="fundContract",
    summary="Start funding a contract: returns the Checkout URL the brand pays on",
)
@bp.response(200, Checkout)
@bp.alt_response(404, schema=ErrorSchema, description="Not your contract")
@bp.alt_response(409, schema=ErrorSchema, description="Already funded or cancelled")
@bp.alt_response(502, schema=ErrorSchema, description="Stripe refused (code stripe_refused)")
@bp.alt_response(503, schema=ErrorSchema, description="Stripe unreachable (stripe_unavailable)")
def fund_contract(contract_id: int):
    try:
        url = start_funding(contract_id=contract_id, brand_id=api_user().id)
        db.session.commit()
    except gateway.StripeError as stripe_error:
        db.session.rollback()
        log.warning("funding contract %s: Stripe answered %r", contract_id, stripe_error)
        error = user_error(stripe_error)
        return json_error(error.status, error.code, error.message, error.fields)
    except DomainError as error:
        db.session.rollback()
        return json_error(error.status, error.code, error.message, error.fields)
    return {"checkout_url": url}


@bp.get("/contracts/<int:contract_id>/money")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
@bp.doc(
    operationId="getContractMoney",
    summary="What was paid, held, released, paid out and refunded on a contract",
)
@bp.response(200, ContractMoney)
@bp.alt_response(404, **_NOT_FOUND)
def contract_money(contract_id: int):
    row = money_for_contracts([_readable_contract(contract_id)])[0]
    c = row.contract
    return {
        "contract_id": c.id,
        "currency": c.currency,
        "price": c.price,
        "brand_fee": c.brand_fee,
        "kol_fee": c.kol_fee,
        "paid": row.paid,
        "held": row.held,
        "released": row.released,
        "paid_out": row.paid_out,
        "refunded": row.refunded,
        "refunding": row.refunding,
        "payouts": [_payout_json(p) for p in row.payouts],
        "payment_failures": [
            {
                "at": f.created_at.isoformat().replace("+00:00", "Z"),
                "code": f.code,
                "decline_code": f.decline_code,
                "message": f.stripe_message,
            }
            for f in payment_failures(c.id)
        ],
    }


@bp.get("/contracts/<int:contract_id>/ledger")
@api_access(Role.BRAND, Role.KOL, Role.ADMIN)
@bp.doc(
    operationId="getContractLedger",
    summary="The ledger entries of a contract, oldest first (each balances to zero)",
)
@bp.arguments(PageArgs, location="query")
@bp.response(200, LedgerPage)
@bp.alt_response(404, **_NOT_FOUND)
def contract_ledger(args: dict, contract_id: int):
    contract = _readable_contract(contract_id)
    page = db.paginate(
        select(JournalEntry)
        .where(JournalEntry.contract_id == contract.id)
        .order_by(JournalEntry.id),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
    )
    entries = [
        {
            "id": e.id,
            "kind": e.kind,
            "created_at": e.created_at.isoformat(),
            "stripe_object_id": e.stripe_object_id,
            "memo": e.memo,
            "lines": [
                {"account": line.account.code, "amount": line.amount, "currency": line.currency}
                for line in e.lines
            ],
        }
        for e in page.items
    ]
    return page_json(page, entries)


@bp.get("/payouts")
@api_access(Role.KOL)
@bp.doc(operationId="listPayouts", summary="The caller's payouts (KOL), newest first")
@bp.arguments(PageArgs, location="query")
@bp.response(200, PayoutList)
def payouts(args: dict):
    page = db.paginate(
        select(Payout).where(Payout.kol_id == api_user().id).order_by(Payout.id.desc()),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
    )
    return page_json(page, [_payout_json(p) for p in page.items])
