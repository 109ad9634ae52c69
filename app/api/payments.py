"""/api/v1 money endpoints: fund a contract, read its money and ledger, list payouts."""

from __future__ import annotations

import logging

from flask import jsonify
from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document
from app.api.routes import bp
from app.auth.models import Role
from app.authz import SIGNED_IN
from app.contracts.models import Contract
from app.errors import DomainError, NotFound, json_error
from app.extensions import db
from app.ledger.models import JournalEntry
from app.payments import gateway
from app.payments.funding import start_funding
from app.payments.models import Payout
from app.payments.queries import money_for_contracts, payment_failures

log = logging.getLogger(__name__)

SCHEMAS["ContractMoney"] = {
    "type": "object",
    "properties": {
        "contract_id": {"type": "integer"},
        "currency": {"type": "string"},
        "price": {"type": "integer"},
        "brand_fee": {"type": "integer"},
        "kol_fee": {"type": "integer"},
        "paid": {"type": "integer"},
        "held": {"type": "integer"},
        "released": {"type": "integer"},
        "paid_out": {"type": "integer"},
        "refunded": {"type": "integer"},
        "refunding": {
            "type": "integer",
            "description": "Refunds in progress: owed to the brand, not finished at Stripe",
        },
        "payouts": {"type": "array", "items": {"$ref": "#/components/schemas/Payout"}},
        "payment_failures": {
            "type": "array",
            "description": "Declined or failed payment attempts, newest first (Stripe's codes)",
            "items": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "code": {"type": ["string", "null"]},
                    "decline_code": {"type": ["string", "null"]},
                    "message": {"type": ["string", "null"]},
                },
            },
        },
    },
}
SCHEMAS["Payout"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "contract_id": {"type": "integer"},
        "stage": {"type": "string"},
        "amount": {"type": "integer"},
        "amount_reversed": {
            "type": "integer",
            "description": "Minor units taken back from the KOL by transfer reversals",
        },
        "currency": {"type": "string"},
        "status": {"type": "string"},
        "transfer_id": {"type": "string", "nullable": True},
    },
}
ID_PARAM = [{"name": "contract_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _party_contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    user = api_user()
    if contract is None or user.id not in (contract.brand_id, contract.kol_id):
        raise NotFound("No such contract.")
    return contract


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
def fund_contract(contract_id: int):
    try:
        url = start_funding(contract_id=contract_id, brand_id=api_user().id)
        db.session.commit()
    except gateway.StripeError as stripe_error:
        db.session.rollback()
        log.warning("funding contract %s: Stripe answered %r", contract_id, stripe_error)
        error = gateway.user_error(stripe_error)
        return json_error(error.status, error.code, error.message, error.fields)
    except DomainError as error:
        db.session.rollback()
        return json_error(error.status, error.code, error.message, error.fields)
    return jsonify(checkout_url=url)


document(
    "/contracts/{contract_id}/fund",
    "post",
    {
        "summary": "Start funding a contract: returns the Checkout URL the brand pays on",
        "operationId": "fundContract",
        "parameters": ID_PARAM,
        "responses": {
            "200": {
                "description": "Checkout URL",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"checkout_url": {"type": "string"}},
                        }
                    }
                },
            },
            "404": {"description": "Not your contract"},
            "409": {"description": "Already funded or cancelled"},
            "502": {"description": "Stripe refused the payment (code stripe_refused)"},
            "503": {"description": "Stripe could not be reached (code stripe_unavailable)"},
        },
    },
)


@bp.get("/contracts/<int:contract_id>/money")
@api_access(SIGNED_IN)
def contract_money(contract_id: int):
    row = money_for_contracts([_party_contract(contract_id)])[0]
    c = row.contract
    return jsonify(
        contract_id=c.id,
        currency=c.currency,
        price=c.price,
        brand_fee=c.brand_fee,
        kol_fee=c.kol_fee,
        paid=row.paid,
        held=row.held,
        released=row.released,
        paid_out=row.paid_out,
        refunded=row.refunded,
        refunding=row.refunding,
        payouts=[_payout_json(p) for p in row.payouts],
        payment_failures=[
            {
                "at": f.created_at.isoformat().replace("+00:00", "Z"),
                "code": f.code,
                "decline_code": f.decline_code,
                "message": f.stripe_message,
            }
            for f in payment_failures(c.id)
        ],
    )


document(
    "/contracts/{contract_id}/money",
    "get",
    {
        "summary": "What was paid, held, released, paid out and refunded on a contract",
        "operationId": "getContractMoney",
        "parameters": ID_PARAM,
        "responses": {
            "200": {
                "description": "Money summary",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ContractMoney"}}
                },
            },
            "404": {"description": "Not your contract"},
        },
    },
)


@bp.get("/contracts/<int:contract_id>/ledger")
@api_access(SIGNED_IN)
def contract_ledger(contract_id: int):
    contract = _party_contract(contract_id)
    entries = db.session.scalars(
        select(JournalEntry)
        .where(JournalEntry.contract_id == contract.id)
        .order_by(JournalEntry.id)
    ).all()
    return jsonify(
        entries=[
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
            for e in entries
        ]
    )


document(
    "/contracts/{contract_id}/ledger",
    "get",
    {
        "summary": "The ledger entries of a contract (each balances to zero)",
        "operationId": "getContractLedger",
        "parameters": ID_PARAM,
        "responses": {
            "200": {"description": "Journal entries with their lines"},
            "404": {"description": "Not your contract"},
        },
    },
)


@bp.get("/payouts")
@api_access(Role.KOL)
def payouts():
    rows = db.session.scalars(
        select(Payout).where(Payout.kol_id == api_user().id).order_by(Payout.id.desc()).limit(200)
    ).all()
    return jsonify(payouts=[_payout_json(p) for p in rows])


document(
    "/payouts",
    "get",
    {
        "summary": "The caller's payouts (KOL)",
        "operationId": "listPayouts",
        "responses": {
            "200": {
                "description": "Payouts",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "payouts": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Payout"},
                                }
                            },
                        }
                    }
                },
            }
        },
    },
)
