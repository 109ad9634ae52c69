"""Transfers to connected accounts and their reversals, with Stripe's balance rules."""

from __future__ import annotations

from .context import Ctx
from .errors import EmulatorError, business_error
from .ledger import add_transaction, available
from .objects import Obj, empty_list, list_params, matching, new_object, page
from .params import Params, amount, check_known, currency, metadata, required, string
from .settlement import convert, settles_as
from .state import new_id

TRANSFER_PARAMS = (
    "amount",
    "currency",
    "destination",
    "transfer_group",
    "source_transaction",
    "metadata",
    "description",
)


def create_transfer(ctx: Ctx, params: Params) -> Obj:
    check_known(params, TRANSFER_PARAMS)
    if ctx.account:
        raise EmulatorError("Transfers must be created by the platform.", status=403)
    value = amount(required(params, "amount"))
    money = currency(params.get("currency"))
    destination = _destination(ctx, required(params, "destination"))
    source = _source_charge(ctx, params.get("source_transaction"), money)
    transfer_metadata = metadata(params.get("metadata"))
    delay = _check_funds(ctx, source, value, money)
    transfer = new_object(
        "tr_",
        "transfer",
        ctx.now,
        amount=value,
        amount_reversed=0,
        currency=money,
        description=string(params, "description"),
        destination=destination["id"],
        destination_payment=new_id("py_"),
        metadata=transfer_metadata,
        reversed=False,
        source_transaction=source["id"] if source else None,
        source_type="card",
        transfer_group=string(params, "transfer_group"),
    )
    transfer["reversals"] = empty_list(f"/v1/transfers/{transfer['id']}/reversals")
    txn = add_transaction(
        ctx,
        owner=None,
        type="transfer",
        amount=-value,
        currency=money,
        source=transfer["id"],
        delay=delay,
    )
    add_transaction(
        ctx,
        owner=destination["id"],
        type="payment",
        amount=value,
        currency=money,
        source=transfer["destination_payment"],
        delay=delay,
    )
    transfer["balance_transaction"] = txn["id"]
    ctx.add(transfer, owner=None)
    ctx.emit("transfer.created", transfer)
    return transfer


def _destination(ctx: Ctx, account_id: str) -> Obj:
    account = ctx.store.find("account", account_id, None, "destination")
    if account["capabilities"].get("transfers") != "active":
        raise EmulatorError(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer",
            param="destination",
        )
    return account


def _source_charge(ctx: Ctx, charge_id: str | None, money: str) -> Obj | None:
    if charge_id is None:
        return None
    charge = ctx.find("charge", charge_id, "source_transaction")
    if charge["status"] != "succeeded":
        raise EmulatorError("The source_transaction has not succeeded.", param="source_transaction")
    settled_in, _fx = settles_as(ctx.settings, charge["currency"])
    if settled_in != money:
        raise EmulatorError(
            f"The currency of source_transaction's balance transaction ({settled_in}) "
            f"must be the same as the transfer currency ({money})",
            param="currency",
        )
    return charge


def _check_funds(ctx: Ctx, source: Obj | None, value: int, money: str) -> int:
    """Refuse what Stripe refuses; return the availability delay the transfer inherits."""
    if source is None:
        if value > available(ctx, None, money):
            raise business_error(
                "You have insufficient available funds in your Stripe account. Try adding funds "
                "directly to your available balance by creating Charges using the "
                "4000000000000077 test card.",
                "balance_insufficient",
                "amount",
            )
        return 0
    unrefunded = source["amount"] - source["amount_refunded"]
    left = convert(unrefunded, source["currency"], money) - transferred_from(ctx, source["id"])
    if value > left:
        raise business_error(
            f"The transfer amount ({value}) exceeds the amount of source_transaction "
            f"{source['id']} not yet refunded or transferred ({left}).",
            "balance_insufficient",
            "amount",
        )
    charge_txn = ctx.store.get(source["balance_transaction"]) or {"available_on": ctx.now}
    return max(0, charge_txn["available_on"] - ctx.now)


def transferred_from(ctx: Ctx, charge_id: str) -> int:
    transfers = ctx.store.newest_first("transfer", None)
    return sum(
        t["amount"] - t["amount_reversed"]
        for t in transfers
        if t["source_transaction"] == charge_id
    )


def retrieve_transfer(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return ctx.find("transfer", id)


def list_transfers(ctx: Ctx, params: Params) -> Obj:
    list_params(params, "destination", "transfer_group", "created")
    transfers = matching(
        ctx.store.newest_first("transfer", ctx.account),
        params,
        ("destination", "transfer_group"),
        ("created",),
    )
    return page(transfers, params, "/v1/transfers")


def create_reversal(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ("amount", "metadata", "description", "refund_application_fee"))
    transfer = ctx.find("transfer", id)
    left = transfer["amount"] - transfer["amount_reversed"]
    value = left if params.get("amount") is None else amount(params["amount"])
    reversal_metadata = metadata(params.get("metadata"))
    _check_reversible(ctx, transfer, value, left)
    reversal = new_object(
        "trr_",
        "transfer_reversal",
        ctx.now,
        amount=value,
        currency=transfer["currency"],
        destination_payment_refund=new_id("pyr_"),
        metadata=reversal_metadata,
        source_refund=None,
        transfer=transfer["id"],
    )
    money, destination = transfer["currency"], transfer["destination"]
    txn = add_transaction(
        ctx, owner=None, type="transfer_refund", amount=value, currency=money, source=reversal["id"]
    )
    add_transaction(
        ctx,
        owner=destination,
        type="payment_refund",
        amount=-value,
        currency=money,
        source=reversal["destination_payment_refund"],
    )
    reversal["balance_transaction"] = txn["id"]
    ctx.add(reversal, owner=None)
    _record_reversal(transfer, reversal)
    ctx.emit("transfer.reversed", transfer)
    return reversal


def _check_reversible(ctx: Ctx, transfer: Obj, value: int, left: int) -> None:
    if value > left:
        raise business_error(
            f"Reversal amount ({value}) exceeds the amount not yet reversed ({left}).",
            "amount_too_large",
            "amount",
        )
    if value > available(ctx, transfer["destination"], transfer["currency"]):
        raise business_error(
            "Insufficient funds in the destination account to reverse this transfer.",
            "balance_insufficient",
            "amount",
        )


def _record_reversal(transfer: Obj, reversal: Obj) -> None:
    transfer["amount_reversed"] += reversal["amount"]
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    reversals = transfer["reversals"]
    reversals["data"].insert(0, reversal)


def list_reversals(ctx: Ctx, params: Params, id: str) -> Obj:
    list_params(params)
    transfer = ctx.find("transfer", id)
    reversals = [
        r
        for r in ctx.store.newest_first("transfer_reversal", ctx.account)
        if r["transfer"] == transfer["id"]
    ]
    return page(reversals, params, f"/v1/transfers/{id}/reversals")


def retrieve_reversal(ctx: Ctx, params: Params, transfer: str, id: str) -> Obj:
    check_known(params, ())
    reversal = ctx.find("transfer_reversal", id)
    if reversal["transfer"] != ctx.find("transfer", transfer)["id"]:
        raise EmulatorError(f"No such transfer reversal: '{id}'", status=404)
    return reversal


ROUTES = [
    ("POST", "/v1/transfers", create_transfer),
    ("GET", "/v1/transfers", list_transfers),
    ("GET", "/v1/transfers/{id}", retrieve_transfer),
    ("POST", "/v1/transfers/{id}/reversals", create_reversal),
    ("GET", "/v1/transfers/{id}/reversals", list_reversals),
    ("GET", "/v1/transfers/{transfer}/reversals/{id}", retrieve_reversal),
]
