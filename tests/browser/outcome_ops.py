"""`python -m tests.browser.outcome_ops <command> <contract id> [arg]`, run with the journey
server's environment (its database, Stripe emulator state and Redis): what the outcome journey
cannot do in a browser. It prints one JSON object.

- ``settle ID DAYS``: the scheduled step (`flask contracts settle`) run as if DAYS days (and a
  minute) had passed since the contract's approval, the clock moved as
  tests/outcomes/test_settlement.py moves it.
- ``views ID COUNT``: COUNT genuine views of the contract's note a day after its approval (the
  hourly rollups the bonus threshold reads; 10,000 views are not made by one browser).
- ``books ID``: the contract's settlements, its ledger entries by kind, its outcome payouts
  and refunds, and the emulator's transfers and refunds for its charge, as Stripe lists them.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from sqlalchemy import select

from app import create_app
from app.extensions import db


def settle(contract_id: int, days: str) -> dict:
    from app.contracts.models import Contract
    from app.outcomes import services

    contract = db.session.get(Contract, contract_id)
    moment = contract.approved_at + timedelta(days=int(days), minutes=1)
    real = services.utcnow
    services.utcnow = lambda: moment
    try:
        settled = services.settle_outcomes()
    finally:
        services.utcnow = real
    return {"settled": settled}


def views(contract_id: int, count: str) -> dict:
    from app.analytics.rollups import hour_of, upsert_rollups
    from app.contracts.models import Contract
    from app.notes.models import Note

    contract = db.session.get(Contract, contract_id)
    note = db.session.scalar(select(Note).where(Note.contract_id == contract_id))
    upsert_rollups(
        [
            {
                "note_id": note.id,
                "hour": hour_of(contract.approved_at + timedelta(days=1)),
                "contract_id": contract.id,
                "campaign_id": note.campaign_id,
                "kol_id": note.kol_id,
                "views": int(count),
            }
        ]
    )
    db.session.commit()
    return {"views": int(count)}


def books(contract_id: int) -> dict:
    from app.ledger.models import JournalEntry
    from app.outcomes.models import Settlement
    from app.payments import gateway
    from app.payments.models import Payout, Refund
    from app.payments.refunds import paid_funding

    settlements = db.session.scalars(
        select(Settlement).where(Settlement.contract_id == contract_id).order_by(Settlement.seq)
    ).all()
    entries: dict[str, list[int]] = {}
    for entry in db.session.scalars(
        select(JournalEntry).where(JournalEntry.contract_id == contract_id)
    ):
        # What the entry moved: the sum of its debits.
        entries.setdefault(entry.kind, []).append(
            sum(x.amount for x in entry.lines if x.amount > 0)
        )
    payouts = db.session.scalars(
        select(Payout).where(Payout.contract_id == contract_id).order_by(Payout.id)
    ).all()
    refunds = db.session.scalars(
        select(Refund).where(Refund.contract_id == contract_id).order_by(Refund.id)
    ).all()
    stripe = gateway.client().v1
    group = {"transfer_group": f"contract_{contract_id}", "limit": 100}
    charge = paid_funding(contract_id).charge_id
    return {
        "settlements": [
            {
                "seq": s.seq,
                "final": s.final,
                "released": s.released,
                "brand_fee_part": s.brand_fee_part,
                "kol_net": s.kol_net,
                "refunded": s.refunded,
                "payout_id": s.payout_id,
                "refund_id": s.refund_id,
            }
            for s in settlements
        ],
        "entries": entries,
        "payouts": [
            {
                "id": p.id,
                "stage": p.stage,
                "amount": p.amount,
                "status": str(p.status),
                "transfer_id": p.transfer_id,
            }
            for p in payouts
        ],
        "refunds": [
            {
                "id": r.id,
                "amount": r.amount,
                "reason": r.reason_code,
                "status": str(r.status),
                "stripe_id": r.stripe_refund_id,
            }
            for r in refunds
        ],
        "stripe_transfers": {
            t["id"]: t["amount"]
            for t in (x.to_dict() for x in stripe.transfers.list(group).auto_paging_iter())
        },
        "stripe_refunds": {
            r["id"]: r["amount"]
            for r in (
                x.to_dict()
                for x in stripe.refunds.list({"charge": charge, "limit": 100}).auto_paging_iter()
            )
        },
    }


COMMANDS = {"settle": settle, "views": views, "books": books}

if __name__ == "__main__":
    command, contract, *rest = sys.argv[1:]
    with create_app().app_context():
        print(json.dumps(COMMANDS[command](int(contract), *rest), default=str))
