"""Balance transactions and the balances they add up to, per owner and currency."""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .objects import Obj, new_object
from .state import PLATFORM, Store

CATEGORIES = {
    "charge": "charge",
    "refund": "refund",
    "refund_failure": "refund_failure",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
    "payment": "charge",
    "payment_refund": "refund",
    "payout": "payout",
    "adjustment": "dispute",
}


def add_transaction(
    ctx: Ctx,
    *,
    owner: str | None,
    type: str,
    amount: int,
    currency: str,
    source: str,
    fee: int = 0,
    description: str | None = None,
    delay: int = 0,
    exchange_rate: float | None = None,
    category: str | None = None,
    fee_description: str = "Stripe processing fees",
) -> Obj:
    """``category``: the reporting category when the type alone does not say it (a dispute's
    ``adjustment`` is ``dispute`` when funds go, ``dispute_reversal`` when they come back)."""
    fee_details: list[dict[str, Any]] = []
    if fee:
        fee_details.append(
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": fee_description,
                "type": "stripe_fee",
            }
        )
    txn = new_object(
        "txn_",
        "balance_transaction",
        ctx.now,
        amount=amount,
        available_on=ctx.now + delay,
        # Every movement here is in the payments balance (Stripe's other balances are for
        # Issuing, refund/dispute prefunding and risk reserves, none of which we use).
        balance_type="payments",
        currency=currency,
        description=description,
        exchange_rate=exchange_rate,
        fee=fee,
        fee_details=fee_details,
        net=amount - fee,
        reporting_category=category or CATEGORIES[type],
        source=source,
        status="pending" if delay > 0 else "available",
        type=type,
    )
    return ctx.add(txn, owner or PLATFORM)


def refresh_status(txn: Obj, now: int) -> Obj:
    txn["status"] = "available" if txn["available_on"] <= now else "pending"
    return txn


def balances(store: Store, owner: str | None, now: int) -> dict[str, dict[str, int]]:
    """{currency: {"available": n, "pending": n}} from the owner's balance transactions."""
    totals: dict[str, dict[str, int]] = {}
    for txn in store.newest_first("balance_transaction", owner):
        refresh_status(txn, now)
        bucket = totals.setdefault(txn["currency"], {"available": 0, "pending": 0})
        bucket[txn["status"]] += txn["net"]
    return totals


def available(ctx: Ctx, owner: str | None, currency: str) -> int:
    return balances(ctx.store, owner, ctx.now).get(currency, {}).get("available", 0)
