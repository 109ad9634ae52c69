"""The deal every stripe-check scenario plays and the calls that pay and refund it.

Checkout's hosted page needs a browser, so a scenario pays the amount the app would charge with a
PaymentIntent confirmed on the server with Stripe's test PaymentMethods
(docs.stripe.com/testing): `pm_card_bypassPending` (funds available at once, so transfers,
reversals and refunds need no two-day wait) and `pm_card_createDispute` (disputed as
fraudulent).
"""

from __future__ import annotations

from app.money import fee_for
from app.payments.stripe_check.harness import Obj, Run, plain, settle

# The deal the scenarios play, with the app's default fees (config.py).
PRICE = 10_000
BRAND_FEE_BPS = 500
KOL_FEE_BPS = 1_000
RELEASE_ON_APPROVAL_BPS = 7_000
PM_AVAILABLE = "pm_card_bypassPending"  # 4000 0000 0000 0077
PM_DISPUTE = "pm_card_createDispute"  # 4000 0000 0000 0259
RETURN_URL = "https://kol.example/stripe-check"  # never visited: nobody pays in a browser


def charged_amount() -> int:
    """What the brand pays: the price plus the brand fee."""
    return PRICE + fee_for(PRICE, BRAND_FEE_BPS)


def release_amount() -> int:
    """What the KOL receives on approval: the released share less the KOL fee on it."""
    share = PRICE * RELEASE_ON_APPROVAL_BPS // 10_000
    return share - fee_for(share, KOL_FEE_BPS)


def pay(run: Run, step: str, payment_method: str, *, transfer_group: str, metadata: Obj) -> Obj:
    """A PaymentIntent for `charged_amount()`, confirmed on the server with a test card."""
    params = {
        "amount": charged_amount(),
        "currency": run.currency,
        "confirm": True,
        "payment_method": payment_method,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "transfer_group": transfer_group,
        "metadata": {**metadata, **run.tag},
        "description": "stripe-check",
    }
    return plain(run.client.v1.payment_intents.create(params, run.options(step)))


def charge_of(run: Run, intent: Obj) -> Obj:
    """The intent's charge, once Stripe has given it a balance transaction."""

    def read() -> Obj:
        charge_id = intent["latest_charge"]
        return plain(run.client.v1.charges.retrieve(charge_id, {"expand": ["balance_transaction"]}))

    return settle(run, read, lambda charge: charge["balance_transaction"] is not None)


def txn_facts(prefix: str, txn: Obj | None) -> Obj:
    txn = txn or {}
    return {
        f"{prefix}: type": txn.get("type"),
        f"{prefix}: reporting_category": txn.get("reporting_category"),
        f"{prefix}: amount": txn.get("amount"),
        f"{prefix}: fee": txn.get("fee"),
        f"{prefix}: status": txn.get("status"),
    }


def refund(run: Run, step: str, charge_id: str, amount: int | None) -> tuple[Obj, str]:
    """The refund once it left `pending` (or the target's patience ended), and the status
    Stripe first answered."""
    params: Obj = {"charge": charge_id, **tag_metadata(run)}
    if amount is not None:
        params["amount"] = amount
    created = plain(run.client.v1.refunds.create(params, run.options(step)))

    def read() -> Obj:
        expand = {"expand": ["balance_transaction"]}
        return plain(run.client.v1.refunds.retrieve(created["id"], expand))

    settled = settle(run, read, lambda r: r["status"] not in ("pending", "requires_action"))
    return settled, created["status"]


def tag_metadata(run: Run) -> Obj:
    """The run's tag as a write's only metadata."""
    return {"metadata": run.tag}
