"""Paying a Checkout Session with a test card; payment intents, charges and disputes."""

from __future__ import annotations

import re
from typing import Any

from .checkout import find_session
from .context import Ctx
from .errors import EmulatorError, card_declined
from .ledger import add_transaction
from .objects import Obj, new_object, stripe_fee
from .params import Params, check_known

SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
GENERIC_DECLINE = ("card_declined", "generic_decline", "Your card was declined.")
CARDS: dict[str, tuple[str, tuple[str, str, str] | None]] = {
    SUCCESS_CARD: ("visa", None),
    "5555555555554444": ("mastercard", None),
    DECLINE_CARD: ("visa", GENERIC_DECLINE),
    "4000000000009995": (
        "visa",
        ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ),
    "4000000000000069": ("visa", ("expired_card", "expired_card", "Your card has expired.")),
}
DISPUTE_FEE = 1500


def pay_session(ctx: Ctx, session_id: str, card: str, email: str | None = None) -> Obj:
    """Charge the session's total; on a decline record the failure and raise a card error."""
    session = find_session(ctx, session_id)
    if session["status"] != "open":
        raise EmulatorError(f"This Checkout Session is {session['status']}; it cannot be paid.")
    number = re.sub(r"\D", "", card or "")
    if number not in CARDS:
        raise card_declined("Your card number is incorrect.", "", code="incorrect_number")
    brand, failure = CARDS[number]
    if ctx.faults.take_decline():
        failure = GENERIC_DECLINE
    intent = _intent_for(ctx, session)
    charge = _charge(ctx, session, intent, number, brand, email)
    if failure:
        _fail(ctx, intent, charge, failure)
        code, decline_code, message = failure
        raise card_declined(message, decline_code, code=code)
    _succeed(ctx, session, intent, charge, email)
    return session


def _intent_for(ctx: Ctx, session: Obj) -> Obj:
    if session["payment_intent"]:
        return ctx.find("payment_intent", session["payment_intent"])
    data = ctx.store.private[session["id"]]["payment_intent_data"]
    intent = new_object(
        "pi_",
        "payment_intent",
        ctx.now,
        amount=session["amount_total"],
        amount_received=0,
        currency=session["currency"],
        customer=session["customer"],
        description=data.get("description"),
        metadata=data["metadata"],
        transfer_group=data.get("transfer_group"),
        status="requires_payment_method",
        latest_charge=None,
        last_payment_error=None,
        capture_method="automatic",
        payment_method=None,
        payment_method_types=["card"],
        receipt_email=data.get("receipt_email"),
    )
    session["payment_intent"] = intent["id"]
    return ctx.add(intent)


def _charge(ctx: Ctx, session: Obj, intent: Obj, number: str, brand: str, email: str | None) -> Obj:
    payment_method = f"pm_{number[-4:]}{ctx.now}"
    charge = new_object(
        "ch_",
        "charge",
        ctx.now,
        amount=intent["amount"],
        amount_captured=0,
        amount_refunded=0,
        balance_transaction=None,
        captured=False,
        currency=intent["currency"],
        customer=intent["customer"],
        description=intent["description"],
        disputed=False,
        failure_code=None,
        failure_message=None,
        metadata=dict(intent["metadata"]),
        paid=False,
        payment_intent=intent["id"],
        payment_method=payment_method,
        refunded=False,
        status="pending",
        transfer_group=intent["transfer_group"],
        billing_details={"email": email or session["customer_email"], "name": None},
        payment_method_details={
            "type": "card",
            "card": {
                "brand": brand,
                "last4": number[-4:],
                "exp_month": 12,
                "exp_year": 2034,
                "country": "US",
                "funding": "credit",
            },
        },
        receipt_url=None,
        outcome=None,
    )
    intent.update(latest_charge=charge["id"], payment_method=payment_method)
    return ctx.add(charge)


def _fail(ctx: Ctx, intent: Obj, charge: Obj, failure: tuple[str, str, str]) -> None:
    code, decline_code, message = failure
    charge.update(
        status="failed",
        failure_code=code,
        failure_message=message,
        outcome={"type": "issuer_declined", "reason": decline_code},
    )
    error = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "charge": charge["id"],
    }
    intent.update(status="requires_payment_method", last_payment_error=error)
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent)


def _succeed(ctx: Ctx, session: Obj, intent: Obj, charge: Obj, email: str | None) -> None:
    txn = add_transaction(
        ctx,
        owner=None,
        type="charge",
        amount=charge["amount"],
        currency=charge["currency"],
        source=charge["id"],
        fee=stripe_fee(charge["amount"]),
        delay=ctx.availability_delay,
    )
    charge.update(
        status="succeeded",
        paid=True,
        captured=True,
        amount_captured=charge["amount"],
        balance_transaction=txn["id"],
        outcome={"type": "authorized", "reason": None},
    )
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    details = {"email": email or session["customer_email"], "name": None}
    session.update(status="complete", payment_status="paid", url=None, customer_details=details)
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", intent)
    ctx.emit("checkout.session.completed", session)


def create_dispute(ctx: Ctx, charge_id: str, amount: int | None, reason: str) -> Obj:
    charge = ctx.find("charge", charge_id, "charge")
    if charge["status"] != "succeeded" or charge["disputed"]:
        raise EmulatorError(f"Charge {charge_id} cannot be disputed.")
    disputed = charge["amount"] - charge["amount_refunded"] if amount is None else amount
    dispute = new_object(
        "dp_",
        "dispute",
        ctx.now,
        amount=disputed,
        charge=charge["id"],
        currency=charge["currency"],
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="needs_response",
        is_charge_refundable=False,
        metadata={},
        evidence={},
    )
    txn = add_transaction(
        ctx,
        owner=None,
        type="adjustment",
        amount=-disputed,
        currency=charge["currency"],
        source=dispute["id"],
        fee=DISPUTE_FEE,
        description=f"Chargeback withdrawal for {charge_id}",
    )
    dispute["balance_transactions"] = [txn]
    charge["disputed"] = True
    ctx.add(dispute)
    ctx.emit("charge.dispute.created", dispute)
    return dispute


def close_dispute(ctx: Ctx, dispute_id: str, won: bool) -> Obj:
    dispute = ctx.find("dispute", dispute_id)
    if dispute["status"] in ("won", "lost"):
        raise EmulatorError(f"Dispute {dispute_id} is already closed.")
    if won:
        txn = add_transaction(
            ctx,
            owner=None,
            type="adjustment",
            amount=dispute["amount"],
            currency=dispute["currency"],
            source=dispute["id"],
            description=f"Chargeback reversal for {dispute['charge']}",
        )
        dispute["balance_transactions"].append(txn)
    dispute.update(status="won" if won else "lost")
    ctx.emit("charge.dispute.closed", dispute)
    return dispute


def _retrieve(kind: str) -> Any:
    def retrieve(ctx: Ctx, params: Params, id: str) -> Obj:
        check_known(params, ())
        return ctx.find(kind, id)

    return retrieve


ROUTES = [
    ("GET", "/v1/payment_intents/{id}", _retrieve("payment_intent")),
    ("GET", "/v1/charges/{id}", _retrieve("charge")),
    ("GET", "/v1/disputes/{id}", _retrieve("dispute")),
]
