"""Matching Stripe's balance transactions to the ledger, for reconciliation (reconcile.py runs
it over a period). Each transaction is matched by its source object id and amount against the
entry's Stripe-cash lines (corrections included), its fee by the balance transaction id against
the Stripe-fee lines. Reads only; the run writes the items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.finance.models import (
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    FEE_UNBOOKED,
    MATCHED,
    MISSING_IN_LEDGER,
    NOT_BOOKED,
)
from app.ledger.models import (
    CASH,
    DISPUTE_FEES,
    STRIPE_FEES,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
)

NOT_IN_LEDGER_TYPES = {"payout"}  # our own bank payouts: the ledger does not model them
# A source with several balance transactions (a dispute's withdrawal and reinstatement, a
# refund and its failure): these are booked one entry per balance transaction, under its id,
# with the fee (a dispute fee) in the same entry, so they match on the net amount.
PER_TRANSACTION_TYPES = {"adjustment", "refund_failure"}
FEE_ITEM = "stripe_fee"  # the txn_type of the item for a balance transaction's fee


@dataclass
class LedgerSide:
    entry_id: int
    contract_id: int | None
    cash: dict[str, int]  # currency → Stripe-cash lines (corrections included)
    fees: dict[str, int]  # currency → Stripe-fee lines (corrections included)


def ledger_for(object_ids: list[str]) -> dict[str, LedgerSide]:
    """Per Stripe object id, the ledger entries booked for it and their corrections."""
    result: dict[str, LedgerSide] = {}
    for start in range(0, len(object_ids), 500):
        chunk = object_ids[start : start + 500]
        entries = db.session.execute(
            select(JournalEntry.id, JournalEntry.stripe_object_id, JournalEntry.contract_id)
            .where(JournalEntry.stripe_object_id.in_(chunk))
            .order_by(JournalEntry.id)
        ).all()
        if not entries:
            continue
        owner = {entry_id: object_id for entry_id, object_id, _c in entries}
        corrections = db.session.execute(
            select(JournalEntry.id, JournalEntry.corrects_id).where(
                JournalEntry.corrects_id.in_(list(owner))
            )
        ).all()
        owner.update({cid: owner[orig] for cid, orig in corrections})
        sums = db.session.execute(
            select(
                LedgerLine.entry_id,
                LedgerAccount.kind,
                LedgerLine.currency,
                func.sum(LedgerLine.amount),
            )
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
            .where(
                LedgerLine.entry_id.in_(list(owner)),
                LedgerAccount.kind.in_((CASH, STRIPE_FEES, DISPUTE_FEES)),
            )
            .group_by(LedgerLine.entry_id, LedgerAccount.kind, LedgerLine.currency)
        ).all()
        for entry_id, object_id, contract_id in entries:
            result.setdefault(object_id, LedgerSide(entry_id, contract_id, {}, {}))
        for entry_id, kind, currency, total in sums:
            side = result[owner[entry_id]]
            bucket = side.cash if kind == CASH else side.fees
            bucket[currency] = bucket.get(currency, 0) + int(total)
    return result


def _compare(
    stripe_amount: int, currency: str, booked: dict[str, int]
) -> tuple[str, int | None, str | None]:
    """(item kind, ledger amount, ledger currency) for one Stripe amount."""
    if not booked:
        return MISSING_IN_LEDGER, None, None
    if currency not in booked:
        other = next(iter(booked))
        return CURRENCY_MISMATCH, booked[other], other
    amount = booked[currency]
    return (MATCHED if amount == stripe_amount else AMOUNT_MISMATCH), amount, currency


def compare_batch(txns: list[dict], ledger: dict[str, LedgerSide]) -> list[dict]:
    """Reconciliation items (as column values) for a batch of Stripe balance transactions."""
    items = []
    for txn in txns:
        source = txn.get("source") if isinstance(txn.get("source"), str) else None
        currency = txn["currency"]
        per_txn = txn["type"] in PER_TRANSACTION_TYPES
        base = dict(
            txn_type=txn["type"],
            stripe_object_id=source,
            balance_transaction_id=txn["id"],
            currency=currency,
            stripe_amount=txn["net"] if per_txn else txn["amount"],
            stripe_currency=currency,
            occurred_at=datetime.fromtimestamp(txn["created"], UTC),
        )
        side = ledger.get(txn["id"] if per_txn else source) if (per_txn or source) else None
        if txn["type"] in NOT_IN_LEDGER_TYPES:
            items.append({**base, "kind": NOT_BOOKED})
        else:
            kind, amount, ledger_currency = _compare(
                txn["net"] if per_txn else txn["amount"], currency, side.cash if side else {}
            )
            items.append(
                {
                    **base,
                    "kind": kind,
                    "ledger_amount": amount,
                    "ledger_currency": ledger_currency,
                    "entry_id": side.entry_id if side else None,
                    "contract_id": side.contract_id if side else None,
                }
            )
        if txn.get("fee"):
            fee_side = ledger.get(txn["id"])
            kind, amount, ledger_currency = _compare(
                txn["fee"], currency, fee_side.fees if fee_side else {}
            )
            items.append(
                {
                    **base,
                    "txn_type": FEE_ITEM,
                    "kind": FEE_UNBOOKED if kind == MISSING_IN_LEDGER else kind,
                    "stripe_amount": txn["fee"],
                    "ledger_amount": amount,
                    "ledger_currency": ledger_currency,
                    "entry_id": fee_side.entry_id if fee_side else None,
                    "contract_id": (fee_side or side).contract_id if (fee_side or side) else None,
                }
            )
    return items
