"""Refunds of succeeded charges, never more than what remains unrefunded."""

from __future__ import annotations

from .context import Ctx
from .errors import EmulatorError, business_error
from .ledger import add_transaction
from .objects import Obj, list_params, matching, new_object, page
from .params import Params, amount, check_known, choice, metadata

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def create_refund(ctx: Ctx, params: Params) -> Obj:
    check_known(params, ("charge", "payment_intent", "amount", "metadata", "reason"))
    charge = _charge_for(ctx, params)
    reason = choice(params, "reason", REASONS)
    refund_metadata = metadata(params.get("metadata"))
    remaining = charge["amount"] - charge["amount_refunded"]
    wanted = remaining if params.get("amount") is None else amount(params["amount"])
    _check_refundable(charge, wanted, remaining)
    refund = new_object(
        "re_",
        "refund",
        ctx.now,
        amount=wanted,
        charge=charge["id"],
        currency=charge["currency"],
        metadata=refund_metadata,
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="succeeded",
        failure_reason=None,
    )
    txn = add_transaction(
        ctx,
        owner=None,
        type="refund",
        amount=-wanted,
        currency=charge["currency"],
        source=refund["id"],
        description="REFUND FOR CHARGE",
    )
    refund["balance_transaction"] = txn["id"]
    ctx.add(refund)
    charge["amount_refunded"] += wanted
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    ctx.emit("charge.refunded", charge)
    ctx.emit("refund.created", refund)
    return refund


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
