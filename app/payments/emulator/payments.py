"""Paying a Checkout Session with a test card; payment intents, charges and disputes."""

from __future__ import annotations

import copy
import re
from typing import Any

from .checkout import find_session
from .context import Ctx
from .errors import EmulatorError, card_declined
from .ledger import add_transaction
from .objects import Obj, list_params, matching, new_object, page, stripe_fee
from .params import Params, check_known
from .settlement import convert, settled

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
# Card networks give 7 to 21 days to answer a dispute (docs.stripe.com/disputes/responding);
# the emulator uses the shortest.
EVIDENCE_WINDOW = 7 * 24 * 3600


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
    intent = new_intent(
        ctx,
        amount=session["amount_total"],
        currency=session["currency"],
        customer=session["customer"],
        data=data,
    )
    session["payment_intent"] = intent["id"]
    return ctx.add(intent)


def new_intent(ctx: Ctx, *, amount: int, currency: str, customer: str | None, data: Obj) -> Obj:
    """A PaymentIntent awaiting payment, for Checkout or for `POST /v1/payment_intents`."""
    return new_object(
        "pi_",
        "payment_intent",
        ctx.now,
        amount=amount,
        amount_capturable=0,  # only a manual-capture intent ever holds capturable funds
        amount_received=0,
        confirmation_method="automatic",
        currency=currency,
        customer=customer,
        description=data.get("description"),
        metadata=data["metadata"],
        transfer_group=data.get("transfer_group"),
        status="requires_payment_method",
        latest_charge=None,
        last_payment_error=None,
        capture_method="automatic" if ctx.capture_delay is None else "automatic_async",
        payment_method=None,
        payment_method_types=["card"],
        receipt_email=data.get("receipt_email"),
    )


def _charge(
    ctx: Ctx, session: Obj | None, intent: Obj, number: str, brand: str, email: str | None
) -> Obj:
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
        billing_details={"email": email or (session or {}).get("customer_email"), "name": None},
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


def _succeed(ctx: Ctx, session: Obj | None, intent: Obj, charge: Obj, email: str | None) -> None:
    charge.update(
        status="succeeded",
        paid=True,
        captured=True,
        amount_captured=charge["amount"],
        outcome={"type": "authorized", "reason": None},
    )
    if ctx.capture_delay is None:
        charge["balance_transaction"] = _book_charge(ctx, charge)["id"]
    else:  # asynchronous capture: Stripe books the charge a little later
        ctx.store.schedule("capture", charge["id"], ctx.now + ctx.capture_delay)
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", intent)
    if session is not None:  # None: a PaymentIntent confirmed through the API (intents.py)
        details = {"email": email or session["customer_email"], "name": None}
        session.update(status="complete", payment_status="paid", url=None, customer_details=details)
        ctx.emit("checkout.session.completed", session)


def _book_charge(ctx: Ctx, charge: Obj) -> Obj:
    """The charge's balance transaction (in the settlement currency, less Stripe's fee)."""
    value, money, fx = settled(ctx.settings, charge["amount"], charge["currency"])
    return add_transaction(
        ctx,
        owner=None,
        type="charge",
        amount=value,
        currency=money,
        source=charge["id"],
        fee=stripe_fee(value),
        delay=ctx.availability_delay,
        exchange_rate=fx,
    )


def capture_balance(ctx: Ctx, charge_id: str) -> None:
    """An asynchronous capture completes: the balance transaction appears (`charge.updated`,
    which Stripe documents as the event to wait for)."""
    charge = ctx.find("charge", charge_id)
    if charge["balance_transaction"] is None and charge["status"] == "succeeded":
        charge["balance_transaction"] = _book_charge(ctx, charge)["id"]
        ctx.emit("charge.updated", charge, previous={"balance_transaction": None})


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
        evidence={"enhanced_evidence": {}},
        evidence_details={
            "due_by": ctx.now + EVIDENCE_WINDOW,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        enhanced_eligibility_types=[],
    )
    value, money, fx = settled(ctx.settings, disputed, charge["currency"])
    txn = add_transaction(
        ctx,
        owner=None,
        type="adjustment",
        amount=-value,
        currency=money,
        source=dispute["id"],
        fee=convert(DISPUTE_FEE, "usd", money),
        fee_description="Dispute fee",
        description=f"Chargeback withdrawal for {charge_id}",
        exchange_rate=fx,
        category="dispute",
    )
    dispute["balance_transactions"] = [copy.deepcopy(txn)]
    charge["disputed"] = True
    ctx.add(dispute)
    ctx.emit("charge.dispute.created", dispute)
    # Stripe takes the disputed amount and its fee from the balance when the dispute opens.
    ctx.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def close_dispute(ctx: Ctx, dispute_id: str, won: bool) -> Obj:
    dispute = ctx.find("dispute", dispute_id)
    if dispute["status"] in ("won", "lost"):
        raise EmulatorError(f"Dispute {dispute_id} is already closed.")
    dispute.update(status="won" if won else "lost")
    if won:
        # The disputed amount comes back; the dispute fee does not (Stripe keeps it).
        value, money, fx = settled(ctx.settings, dispute["amount"], dispute["currency"])
        txn = add_transaction(
            ctx,
            owner=None,
            type="adjustment",
            amount=value,
            currency=money,
            source=dispute["id"],
            description=f"Chargeback reversal for {dispute['charge']}",
            exchange_rate=fx,
            category="dispute_reversal",
        )
        dispute["balance_transactions"].append(copy.deepcopy(txn))
        ctx.emit("charge.dispute.funds_reinstated", dispute)
    ctx.emit("charge.dispute.closed", dispute)
    return dispute


def _retrieve(kind: str) -> Any:
    def retrieve(ctx: Ctx, params: Params, id: str) -> Obj:
        check_known(params, ())
        return ctx.find(kind, id)

    return retrieve


def list_disputes(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "charge", "payment_intent", "created")
    disputes = matching(
        ctx.store.newest_first("dispute", ctx.account),
        params,
        ("charge", "payment_intent"),
        ("created",),
    )
    return page(disputes, params, "/v1/disputes")


ROUTES = [
    ("GET", "/v1/payment_intents/{id}", _retrieve("payment_intent")),
    ("GET", "/v1/charges/{id}", _retrieve("charge")),
    ("GET", "/v1/disputes/{id}", _retrieve("dispute")),
    ("GET", "/v1/disputes", list_disputes),
]
