"""Balance, balance transactions, payouts and events, each scoped by Stripe-Account."""

from __future__ import annotations

from .context import Ctx
from .errors import EmulatorError, business_error, invalid_param
from .ledger import add_transaction, available, balances, refresh_status
from .objects import Obj, list_params, matching, new_object, page
from .params import Params, amount, check_known, choice, currency, metadata, required, string

PAYOUT_PARAMS = ("amount", "currency", "description", "metadata", "method", "statement_descriptor")


def retrieve_balance(ctx: Ctx, params: Params) -> Obj:
    check_known(params, ())
    totals = balances(ctx.store, ctx.account, ctx.now) or {_default_currency(ctx): {}}

    def amounts(status: str) -> list[Obj]:
        return [
            {
                "amount": bucket.get(status, 0),
                "currency": money,
                "source_types": {"card": bucket.get(status, 0)},
            }
            for money, bucket in sorted(totals.items())
        ]

    return {
        "object": "balance",
        "available": amounts("available"),
        "pending": amounts("pending"),
        "livemode": False,
    }


def _default_currency(ctx: Ctx) -> str:
    account = ctx.store.get(ctx.account) if ctx.account else None
    return account["default_currency"] if account else "usd"


def list_balance_transactions(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "type", "created", "payout", "currency", "source")
    txns = matching(_txns(ctx), params, ("type", "currency", "source"), ("created",))
    if params.get("payout"):
        ctx.find("payout", params["payout"], "payout")
        txns = [txn for txn in txns if txn["source"] == params["payout"]]
    return page(txns, params, "/v1/balance_transactions")


def _txns(ctx: Ctx) -> list[Obj]:
    return [
        refresh_status(t, ctx.now)
        for t in ctx.store.newest_first("balance_transaction", ctx.account)
    ]


def retrieve_balance_transaction(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return refresh_status(ctx.find("balance_transaction", id), ctx.now)


def create_payout(ctx: Ctx, params: Params) -> Obj:
    check_known(params, PAYOUT_PARAMS)
    value = amount(required(params, "amount"))
    money = currency(params.get("currency"))
    method = choice(params, "method", ("standard", "instant"), "standard")
    payout_metadata = metadata(params.get("metadata"))
    account = ctx.store.get(ctx.account) if ctx.account else None
    if account is not None and not account["payouts_enabled"]:
        raise EmulatorError("Payouts are not enabled for this account.", code="payouts_not_allowed")
    if value > available(ctx, ctx.account, money):
        raise business_error(
            "You have insufficient funds in your Stripe account for this transfer.",
            "balance_insufficient",
            "amount",
        )
    payout = new_object(
        "po_",
        "payout",
        ctx.now,
        amount=value,
        currency=money,
        arrival_date=ctx.now,
        automatic=False,
        description=string(params, "description"),
        method=method,
        metadata=payout_metadata,
        status="pending",
        type="bank_account",
        # Only automatic payouts are reconciled against their balance transactions.
        reconciliation_status="not_applicable",
        source_type="card",
        statement_descriptor=string(params, "statement_descriptor"),
        failure_code=None,
        failure_message=None,
        destination=None,
    )
    txn = add_transaction(
        ctx,
        owner=ctx.account,
        type="payout",
        amount=-value,
        currency=money,
        source=payout["id"],
        description="STRIPE PAYOUT",
    )
    payout["balance_transaction"] = txn["id"]
    ctx.add(payout)
    ctx.emit("payout.created", payout, account=ctx.account)
    payout["status"] = "paid"
    ctx.emit("payout.paid", payout, account=ctx.account)
    return payout


def retrieve_payout(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return ctx.find("payout", id)


def list_payouts(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "status", "created", "arrival_date")
    payouts = matching(
        ctx.store.newest_first("payout", ctx.account),
        params,
        ("status",),
        ("created", "arrival_date"),
    )
    return page(payouts, params, "/v1/payouts")


def retrieve_event(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return ctx.find("event", id)


def list_events(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "type", "types", "created", "delivery_success")
    events = matching(ctx.store.newest_first("event", ctx.account), params, ("type",), ("created",))
    if params.get("types") is not None:
        if not isinstance(params["types"], list):
            raise invalid_param("types", "Invalid array")
        events = [event for event in events if event["type"] in params["types"]]
    return page(events, params, "/v1/events")


ROUTES = [
    ("GET", "/v1/balance", retrieve_balance),
    ("GET", "/v1/balance_transactions", list_balance_transactions),
    ("GET", "/v1/balance_transactions/{id}", retrieve_balance_transaction),
    ("POST", "/v1/payouts", create_payout),
    ("GET", "/v1/payouts", list_payouts),
    ("GET", "/v1/payouts/{id}", retrieve_payout),
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
]
