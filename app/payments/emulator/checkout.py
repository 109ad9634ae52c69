"""Checkout Sessions (mode=payment with inline price_data): create, retrieve, expire."""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .currencies import MINIMUM_CHARGE, format_amount, maximum_charge
from .errors import EmulatorError, invalid_param, missing_param
from .objects import Obj, new_object
from .params import Params, amount, check_known, currency, integer, metadata, required, string
from .settlement import convert, settles_as

SESSION_PARAMS = (
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "customer",
    "customer_email",
    "metadata",
    "payment_intent_data",
    "client_reference_id",
    "expires_at",
    "payment_method_types",
    "locale",
    "submit_type",
    "customer_creation",
)
INTENT_DATA = ("transfer_group", "metadata", "description", "capture_method", "receipt_email")
DAY = 24 * 3600


def create_session(ctx: Ctx, params: Params) -> Obj:
    check_known(params, SESSION_PARAMS)
    if required(params, "mode") != "payment":
        raise invalid_param("mode", "The emulator supports only mode=payment.")
    items = _line_items(params.get("line_items"))
    _check_chargeable(ctx, items)
    customer = _customer(ctx, params)
    intent_data = _intent_data(params.get("payment_intent_data") or {})
    session = new_object(
        "cs_test_",
        "checkout.session",
        ctx.now,
        mode="payment",
        amount_subtotal=sum(i["amount_total"] for i in items),
        amount_total=sum(i["amount_total"] for i in items),
        currency=items[0]["currency"],
        cancel_url=string(params, "cancel_url"),
        success_url=required(params, "success_url"),
        client_reference_id=string(params, "client_reference_id"),
        customer=customer,
        customer_email=string(params, "customer_email"),
        customer_details=None,
        expires_at=_expires_at(ctx, params),
        metadata=metadata(params.get("metadata")),
        payment_intent=None,
        payment_method_types=["card"],
        payment_status="unpaid",
        status="open",
        locale=string(params, "locale"),
        submit_type=string(params, "submit_type"),
        # Always present on Stripe's session; the emulator offers none of these features.
        automatic_tax={"enabled": False, "liability": None, "provider": None, "status": None},
        custom_fields=[],
        custom_text={
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        shipping_options=[],
    )
    session["url"] = f"{ctx.hosted_base}/checkout/{session['id']}"
    ctx.add(session, private={"line_items": items, "payment_intent_data": intent_data})
    ctx.store.schedule("expire", session["id"], session["expires_at"])
    return session


def _line_items(value: Any) -> list[Obj]:
    if not value:
        raise missing_param("line_items")
    if not isinstance(value, list):
        raise invalid_param("line_items", "Invalid array")
    items = [_line_item(item, f"line_items[{i}]") for i, item in enumerate(value)]
    if len({item["currency"] for item in items}) > 1:
        raise invalid_param("line_items", "All line items must use the same currency.")
    if sum(item["amount_total"] for item in items) <= 0:
        raise invalid_param("line_items", "The Checkout Session's total amount must be positive.")
    return items


def _line_item(item: Any, prefix: str) -> Obj:
    if not isinstance(item, dict):
        raise invalid_param(prefix, "Invalid hash")
    check_known(item, ("price_data", "quantity"), prefix)
    price = item.get("price_data")
    if not isinstance(price, dict):
        raise missing_param(f"{prefix}[price_data]")
    check_known(price, ("currency", "unit_amount", "product_data"), f"{prefix}[price_data]")
    money = currency(price.get("currency"), f"{prefix}[price_data][currency]")
    unit = amount(
        required(price, "unit_amount", f"{prefix}[price_data][unit_amount]"),
        f"{prefix}[price_data][unit_amount]",
        allow_zero=True,
        currency=money,
    )
    quantity = amount(required(item, "quantity", f"{prefix}[quantity]"), f"{prefix}[quantity]")
    product = price.get("product_data") or {}
    name = required(product, "name", f"{prefix}[price_data][product_data][name]")
    return {
        "object": "item",
        "description": name,
        "quantity": quantity,
        "currency": money,
        "price": {"unit_amount": unit, "product_data": {"name": name}},
        "amount_subtotal": unit * quantity,
        "amount_total": unit * quantity,
    }


def _check_chargeable(ctx: Ctx, items: list[Obj]) -> None:
    """Stripe refuses a total it cannot charge: one under the minimum of the currency it
    settles in (after conversion), or one with more digits than the amount field takes."""
    money = items[0]["currency"]
    total = sum(item["amount_total"] for item in items)
    param = "line_items[0][price_data][unit_amount]" if len(items) == 1 else "line_items"
    if total > maximum_charge(money):
        raise EmulatorError(
            "The Checkout Session's total amount due must be no more than "
            f"{format_amount(maximum_charge(money), money)}.",
            code="amount_too_large",
            param=param,
        )
    target, _rate = settles_as(ctx.settings, money)
    if target not in MINIMUM_CHARGE:
        return
    minimum, shown = MINIMUM_CHARGE[target]
    settled = convert(total, money, target)
    if settled >= minimum:
        return
    message = f"The Checkout Session's total amount due must add up to at least {shown} {target}"
    if target != money:
        message = (
            f"The Checkout Session's total amount due must convert to at least {shown} "
            f"{target}. {format_amount(total, money)} converts to approximately "
            f"{format_amount(settled, target)}."
        )
    raise EmulatorError(message, code="amount_too_small", param=param)


def _customer(ctx: Ctx, params: Params) -> str | None:
    customer_id = params.get("customer")
    if customer_id and params.get("customer_email"):
        raise invalid_param(
            "customer_email", "You may only specify one of customer, customer_email."
        )
    if customer_id:
        ctx.find("customer", customer_id, "customer")
    return customer_id


def _intent_data(data: Any) -> Obj:
    if not isinstance(data, dict):
        raise invalid_param("payment_intent_data", "Invalid hash")
    check_known(data, INTENT_DATA, "payment_intent_data")
    if data.get("capture_method", "automatic") != "automatic":
        raise invalid_param(
            "payment_intent_data[capture_method]", "The emulator supports only automatic capture."
        )
    return {**data, "metadata": metadata(data.get("metadata"))}


def _expires_at(ctx: Ctx, params: Params) -> int:
    if params.get("expires_at") is None:
        return ctx.now + DAY
    expires_at = integer(params["expires_at"], "expires_at")
    if not ctx.now + 1800 <= expires_at <= ctx.now + DAY:
        raise invalid_param("expires_at", "expires_at must be 30 minutes to 24 hours from now.")
    return expires_at


def find_session(ctx: Ctx, session_id: Any) -> Obj:
    """The session, expired first if its time has passed."""
    session = ctx.find("checkout.session", session_id)
    if session["status"] == "open" and ctx.now >= session["expires_at"]:
        _expire(ctx, session)
    return session


def _expire(ctx: Ctx, session: Obj) -> None:
    session.update(status="expired", url=None)
    ctx.emit("checkout.session.expired", session)


def retrieve_session(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return find_session(ctx, id)


def expire_session(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    session = find_session(ctx, id)
    if session["status"] != "open":
        raise EmulatorError(
            f"Only Checkout Sessions with a status in ['open'] can be expired. "
            f"This Checkout Session has a status of '{session['status']}'."
        )
    _expire(ctx, session)
    return session


ROUTES = [
    ("POST", "/v1/checkout/sessions", create_session),
    ("GET", "/v1/checkout/sessions/{id}", retrieve_session),
    ("POST", "/v1/checkout/sessions/{id}/expire", expire_session),
]
