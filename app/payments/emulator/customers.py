"""Customers: create and retrieve."""

from __future__ import annotations

from .context import Ctx
from .objects import Obj, new_object
from .params import Params, check_known, metadata, string

FIELDS = ("email", "name", "description", "phone")


def create_customer(ctx: Ctx, params: Params) -> Obj:
    check_known(params, (*FIELDS, "metadata"))
    fields = {name: string(params, name) for name in FIELDS}
    customer = new_object(
        "cus_",
        "customer",
        ctx.now,
        **fields,
        metadata=metadata(params.get("metadata")),
        balance=0,
        currency=None,
        default_source=None,
        delinquent=False,
        invoice_prefix=None,
        preferred_locales=[],
        tax_exempt="none",
    )
    ctx.add(customer)
    ctx.emit("customer.created", customer)
    return customer


def retrieve_customer(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return ctx.find("customer", id)


ROUTES = [
    ("POST", "/v1/customers", create_customer),
    ("GET", "/v1/customers/{id}", retrieve_customer),
]
