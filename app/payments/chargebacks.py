"""A chargeback's money, as Stripe moves it: the disputed amount and Stripe's dispute fee leave
our balance when the dispute opens (``charge.dispute.funds_withdrawn``); a won dispute brings
the amount back (``funds_reinstated``), never the fee; a lost one is paid for out of what the
contract still holds, and any rest is our loss.

Booked from the dispute as Stripe holds it now (its ``balance_transactions``), one entry per
balance transaction, so events in any order, repeated or missed, book each movement once.
"""

from __future__ import annotations

from app.ledger.services import (
    CASH,
    CHARGEBACK_LOSSES,
    CHARGEBACKS,
    DISPUTE_FEES,
    HELD,
    Leg,
    balance,
    post_entry,
)


def book_dispute_funds(*, contract_id: int | None, dispute: dict, paid: bool) -> None:
    """Every fund movement of ``dispute`` not booked yet, then the write-off if it was lost
    and the contract's payment is booked (``paid``; else record_payment settles it later, so
    the books are the same whatever order the events come in)."""
    currency = None
    for txn in dispute.get("balance_transactions") or []:
        if not isinstance(txn, dict) or txn.get("type") != "adjustment" or not txn.get("amount"):
            continue
        amount, currency = int(txn["amount"]), txn["currency"]
        post_entry(
            key=f"dispute-funds:{txn['id']}",
            kind="chargeback_funds",
            currency=currency,
            contract_id=contract_id,
            stripe_object_id=txn["id"],  # reconciled per balance transaction (net and fee)
            legs=_legs(contract_id, amount, int(txn.get("fee") or 0)),
            memo=f"Chargeback {dispute['id']}: funds {'withdrawn' if amount < 0 else 'reinstated'}",
        )
    if dispute.get("status") == "lost" and paid and currency and contract_id:
        settle_lost_chargeback(contract_id=contract_id, dispute_id=dispute["id"], currency=currency)


def _legs(contract_id: int | None, amount: int, fee: int) -> list[Leg]:
    if amount < 0:  # the bank took the amount; Stripe took its fee
        return [
            Leg(CHARGEBACKS, -amount, contract_id=contract_id),
            Leg(DISPUTE_FEES, fee),
            Leg(CASH, amount - fee),
        ]
    return [
        Leg(CASH, amount - fee),
        Leg(DISPUTE_FEES, fee),
        Leg(CHARGEBACKS, -amount, contract_id=contract_id),
    ]


def settle_lost_chargeback(*, contract_id: int, dispute_id: str, currency: str) -> None:
    """Lost: the brand has its money back from its bank, so what the contract holds pays for
    it (it can no longer be refunded or released); the rest is the platform's loss."""
    taken = balance(CHARGEBACKS, currency, contract_id=contract_id)
    if taken <= 0:
        return
    from_held = min(balance(HELD, currency, contract_id=contract_id), taken)
    post_entry(
        key=f"dispute-lost:{dispute_id}",
        kind="chargeback_lost",
        currency=currency,
        contract_id=contract_id,
        stripe_object_id=dispute_id,
        legs=[
            Leg(HELD, from_held, contract_id=contract_id),
            Leg(CHARGEBACK_LOSSES, taken - from_held),
            Leg(CHARGEBACKS, -taken, contract_id=contract_id),
        ],
        memo=f"Chargeback {dispute_id} lost",
    )
