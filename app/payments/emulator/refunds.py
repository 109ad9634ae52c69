"""Refunds of succeeded charges, never more than what remains unrefunded.

As on Stripe, a refund uses the platform's *available* balance: when that is short and the
account does not let Stripe debit its bank (``Settings.debit_negative_balances`` off), the
refund stays ``pending`` (``pending_reason=insufficient_funds``) until the balance covers it.
A refund can also fail after it was accepted (the card was closed): ``refund.failed``, the
charge's ``amount_refunded`` goes back down and a ``refund_failure`` balance transaction
returns the money to the balance.
"""

from __future__ import annotations

from .context import Ctx
from .errors import EmulatorError, business_error
from .ledger import add_transaction, available
from .objects import Obj, list_params, matching, new_object, page
from .params import Params, amount, check_known, choice, metadata
from .settlement import settled

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
FAILURE_REASONS = ("expired_or_canceled_card", "lost_or_stolen_card", "unknown")


def create_refund(ctx: Ctx, params: Params) -> Obj:
    check_known(params, ("charge", "payment_intent", "amount", "metadata", "reason"))
    charge = _charge_for(ctx, params)
    reason = choice(params, "reason", REASONS)
    refund_metadata = metadata(params.get("metadata"))
    remaining = charge["amount"] - charge["amount_refunded"]
    wanted = (
        remaining
        if params.get("amount") is None
        else amount(params["amount"], currency=charge["currency"])
    )
    _check_refundable(charge, wanted, remaining)
    refund = new_object(
        "re_",
        "refund",
        ctx.now,
        amount=wanted,
        balance_transaction=None,
        charge=charge["id"],
        currency=charge["currency"],
        metadata=refund_metadata,
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="pending",
        failure_reason=None,
        failure_balance_transaction=None,
        pending_reason=None,
    )
    outcome = ctx.faults.take_refund_outcome()
    ctx.add(refund, private={"outcome": outcome} if outcome else None)
    charge["amount_refunded"] += wanted
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    if outcome is None and _covered(ctx, refund):
        _succeed(ctx, refund)
    else:
        refund["pending_reason"] = "processing" if outcome else "insufficient_funds"
    ctx.emit("charge.refunded", charge)
    ctx.emit("refund.created", refund)
    return refund


def _covered(ctx: Ctx, refund: Obj) -> bool:
    """Stripe pays a refund from the available balance, or debits the bank for the rest."""
    if ctx.settings.debit_negative_balances:
        return True
    value, money, _fx = settled(ctx.settings, refund["amount"], refund["currency"])
    return available(ctx, None, money) >= value


def _succeed(ctx: Ctx, refund: Obj) -> None:
    value, money, fx = settled(ctx.settings, refund["amount"], refund["currency"])
    txn = add_transaction(
        ctx,
        owner=None,
        type="refund",
        amount=-value,
        currency=money,
        source=refund["id"],
        description="REFUND FOR CHARGE",
        exchange_rate=fx,
    )
    refund.update(status="succeeded", balance_transaction=txn["id"], pending_reason=None)


def settle_pending(ctx: Ctx) -> int:
    """Move pending refunds on: those the balance now covers succeed, those set to fail fail.
    Returns how many changed."""
    changed = 0
    for refund in list(ctx.store.newest_first("refund", None))[::-1]:
        if refund["status"] != "pending":
            continue
        outcome = (ctx.store.private.get(refund["id"]) or {}).get("outcome")
        if outcome == "fail":
            fail_refund(ctx, refund["id"], "expired_or_canceled_card")
        elif outcome == "pending" or _covered(ctx, refund):
            _succeed(ctx, refund)
            _emit_updated(ctx, refund, {"status": "pending"})
        else:
            continue
        changed += 1
    return changed


def fail_refund(ctx: Ctx, refund_id: str, reason: str = "expired_or_canceled_card") -> Obj:
    """The card issuer returned the refund: the money comes back to the platform's balance."""
    refund = ctx.store.find("refund", refund_id, None)
    if refund["status"] not in ("pending", "succeeded"):
        raise EmulatorError(f"Refund {refund_id} is {refund['status']}; it cannot fail.")
    if reason not in FAILURE_REASONS:
        raise EmulatorError(f"Unknown refund failure reason: {reason}.")
    before = refund["status"]
    if refund["balance_transaction"]:
        value, money, fx = settled(ctx.settings, refund["amount"], refund["currency"])
        txn = add_transaction(
            ctx,
            owner=None,
            type="refund_failure",
            amount=value,
            currency=money,
            source=refund["id"],
            description="REFUND FAILURE",
            exchange_rate=fx,
        )
        refund["failure_balance_transaction"] = txn["id"]
    refund.update(status="failed", failure_reason=reason, pending_reason=None)
    charge = ctx.store.find("charge", refund["charge"], None)
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = False
    _emit_updated(ctx, refund, {"status": before})
    ctx.emit("refund.failed", refund)
    return refund


def _emit_updated(ctx: Ctx, refund: Obj, previous: Obj) -> None:
    ctx.emit("refund.updated", refund, previous=previous)
    ctx.emit("charge.refund.updated", refund, previous=previous)


def _charge_for(ctx: Ctx, params: Params) -> Obj:
    if params.get("charge") and params.get("payment_intent"):
        raise EmulatorError("You may only specify one of charge, payment_intent.")
    if params.get("charge"):
        return ctx.find("charge", params["charge"], "charge")
    if not params.get("payment_intent"):
        raise EmulatorError(
            "One of the following params should be provided for this request: "
            "payment_intent or charge.",
            code="parameter_missing",
        )
    intent = ctx.find("payment_intent", params["payment_intent"], "payment_intent")
    if intent["status"] != "succeeded" or not intent["latest_charge"]:
        raise EmulatorError(
            f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
            code="charge_not_refundable",
            param="payment_intent",
        )
    return ctx.find("charge", intent["latest_charge"], "charge")


def _check_refundable(charge: Obj, wanted: int, remaining: int) -> None:
    if charge["status"] != "succeeded":
        raise EmulatorError(f"Charge {charge['id']} has not succeeded.", param="charge")
    if charge["disputed"]:
        raise business_error(
            f"Charge {charge['id']} has been charged back; refunding is not possible.",
            "charge_disputed",
            "charge",
        )
    if remaining == 0:
        raise business_error(
            f"Charge {charge['id']} has already been refunded.", "charge_already_refunded"
        )
    if wanted > remaining:
        raise business_error(
            f"Refund amount ({wanted}) is greater than unrefunded amount on charge ({remaining})",
            "amount_too_large",
            "amount",
        )


def retrieve_refund(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return ctx.find("refund", id)


def list_refunds(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "charge", "payment_intent", "created")
    refunds = matching(
        ctx.store.newest_first("refund", ctx.account),
        params,
        ("charge", "payment_intent"),
        ("created",),
    )
    return page(refunds, params, "/v1/refunds")


ROUTES = [
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds/{id}", retrieve_refund),
    ("GET", "/v1/refunds", list_refunds),
]
