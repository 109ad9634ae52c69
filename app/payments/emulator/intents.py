"""PaymentIntents created and confirmed through the API with Stripe's test PaymentMethods.

Server-side test code on Stripe's test mode pays this way (a Checkout page needs a browser):
`POST /v1/payment_intents` with `confirm=true` and a test PaymentMethod such as
`pm_card_visa`. `make stripe-check` sends exactly these calls to Stripe and to the emulator.
The PaymentMethods and what follows them are those of Stripe's "Testing" page
(https://docs.stripe.com/testing): `pm_card_bypassPending` puts the funds straight into the
available balance, `pm_card_createDispute` succeeds and is then disputed as fraudulent.
"""

from __future__ import annotations

from typing import Any

from . import payments
from .context import Ctx
from .currencies import MINIMUM_CHARGE
from .errors import EmulatorError, card_declined, invalid_param, missing_param
from .objects import Obj
from .params import Params, amount, boolean, check_known, currency, metadata, required, string
from .settlement import convert, settles_as

# id: (the card number it stands for, what Stripe does after a successful charge)
TEST_PAYMENT_METHODS: dict[str, tuple[str, str | None]] = {
    "pm_card_visa": (payments.SUCCESS_CARD, None),
    "pm_card_mastercard": ("5555555555554444", None),
    "pm_card_bypassPending": ("4000000000000077", "available"),
    "pm_card_createDispute": ("4000000000000259", "dispute"),
    "pm_card_chargeDeclined": (payments.DECLINE_CARD, None),
    "pm_card_visa_chargeDeclined": (payments.DECLINE_CARD, None),
    "pm_card_chargeDeclinedInsufficientFunds": ("4000000000009995", None),
    "pm_card_chargeDeclinedExpiredCard": ("4000000000000069", None),
}
INTENT_PARAMS = (
    "amount",
    "currency",
    "confirm",
    "payment_method",
    "automatic_payment_methods",
    "capture_method",
    "customer",
    "description",
    "metadata",
    "receipt_email",
    "return_url",
    "transfer_group",
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")


def create_payment_intent(ctx: Ctx, params: Params) -> Obj:
    check_known(params, INTENT_PARAMS)
    value = amount(required(params, "amount"))
    money = currency(required(params, "currency"))
    _check_minimum(ctx, value, money)
    if params.get("capture_method", "automatic") != "automatic":
        raise invalid_param("capture_method", "The emulator supports only automatic capture.")
    customer = string(params, "customer")
    if customer:
        ctx.find("customer", customer, "customer")
    data = {
        "metadata": metadata(params.get("metadata")),
        "transfer_group": string(params, "transfer_group"),
        "description": string(params, "description"),
        "receipt_email": string(params, "receipt_email"),
    }
    intent = ctx.add(
        payments.new_intent(ctx, amount=value, currency=money, customer=customer, data=data)
    )
    intent["automatic_payment_methods"] = _automatic(params.get("automatic_payment_methods"))
    ctx.emit("payment_intent.created", intent)
    if params.get("confirm") is not None and boolean(params["confirm"], "confirm"):
        _check_redirects(params)
        _confirm(ctx, intent, string(params, "payment_method"))
    elif params.get("payment_method"):
        _payment_method(string(params, "payment_method"))
        intent.update(payment_method=params["payment_method"], status="requires_confirmation")
    return intent


def confirm_payment_intent(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ("payment_method", "return_url", "receipt_email"))
    intent = ctx.find("payment_intent", id)
    _check_redirects({**params, "automatic_payment_methods": intent["automatic_payment_methods"]})
    _confirm(ctx, intent, string(params, "payment_method") or intent["payment_method"])
    return intent


def _automatic(value: Any) -> Obj:
    """Payment methods from the Dashboard, which may redirect unless told not to (Stripe's
    default since API version 2023-08-16)."""
    if value is None:
        return {"enabled": True, "allow_redirects": "always"}
    if not isinstance(value, dict):
        raise invalid_param("automatic_payment_methods", "Invalid hash")
    check_known(value, ("enabled", "allow_redirects"), "automatic_payment_methods")
    enabled = boolean(
        required(value, "enabled", "automatic_payment_methods[enabled]"),
        "automatic_payment_methods[enabled]",
    )
    redirects = value.get("allow_redirects", "always")
    if redirects not in ("always", "never"):
        raise invalid_param("automatic_payment_methods[allow_redirects]", "Invalid allow_redirects")
    return {"enabled": enabled, "allow_redirects": redirects}


def _check_minimum(ctx: Ctx, value: int, money: str) -> None:
    """Stripe's minimum charge, in the currency the charge settles in."""
    target, _rate = settles_as(ctx.settings, money)
    minimum, shown = MINIMUM_CHARGE.get(target, (0, ""))
    if convert(value, money, target) < minimum:
        raise EmulatorError(
            f"Amount must be at least {shown} {target}", code="amount_too_small", param="amount"
        )


def _check_redirects(params: Params) -> None:
    """Confirming on the server with no return address needs redirects turned off, as Stripe
    asks of every PaymentIntent that accepts the Dashboard's payment methods."""
    automatic = params.get("automatic_payment_methods") or {}
    redirects = automatic.get("enabled", True) and automatic.get("allow_redirects") != "never"
    if params.get("return_url") or not redirects:
        return
    raise EmulatorError(
        "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. "
        "Because some of these payment methods might redirect your customer off of your page, "
        "you must provide a `return_url`. If you don't want to accept redirect-based payment "
        "methods, set `automatic_payment_methods[enabled]` to `true` and "
        "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
        "and Payment Intents.",
    )


def _payment_method(pm_id: str | None) -> tuple[str, str | None]:
    if not pm_id:
        raise missing_param("payment_method")
    if pm_id not in TEST_PAYMENT_METHODS:
        raise EmulatorError(
            f"No such PaymentMethod: '{pm_id}'", code="resource_missing", param="payment_method"
        )
    return TEST_PAYMENT_METHODS[pm_id]


def _confirm(ctx: Ctx, intent: Obj, pm_id: str | None) -> None:
    if intent["status"] not in CONFIRMABLE:
        raise EmulatorError(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}.",
            code="payment_intent_unexpected_state",
        )
    number, after = _payment_method(pm_id)
    brand, failure = payments.CARDS.get(number, ("visa", None))
    if ctx.faults.take_decline():
        failure = payments.GENERIC_DECLINE
    charge = payments._charge(ctx, None, intent, number, brand, intent.get("receipt_email"))
    if failure:
        payments._fail(ctx, intent, charge, failure)
        code, decline_code, message = failure
        raise card_declined(message, decline_code, code=code)
    if after == "available":
        ctx.availability_delay = 0  # 4000 0000 0000 0077 bypasses the pending balance
    payments._succeed(ctx, None, intent, charge, None)
    if after == "dispute":
        payments.create_dispute(ctx, charge["id"], None, "fraudulent")


ROUTES = [
    ("POST", "/v1/payment_intents", create_payment_intent),
    ("POST", "/v1/payment_intents/{id}/confirm", confirm_payment_intent),
]
