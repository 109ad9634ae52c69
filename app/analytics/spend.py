"""What a contract cost its brand: the one rule the dashboards, the stats API and the brand's
workbench all read."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.contracts.models import Contract
from app.payments.models import Refund
from app.replica import read


def spend_columns() -> tuple:
    """The one rule of what a contract cost its brand, as SQL over a ``contracts`` row: (paid,
    refunded, commission). Paid: price + brand fee once funded; refunded: refunds that
    succeeded, the outcome cap's returned rest aside (it never counted: the reserve counts only
    as it is earned); commission: the commission and bonus settlements released, with the
    brand fee on them. Spend = paid + commission − refunded, never below 0. The dashboards,
    the stats API and the brand's workbench all read it from here."""
    from app.outcomes.models import Settlement

    paid = case((Contract.funded_at.is_not(None), Contract.price + Contract.brand_fee), else_=0)
    refunded = (
        select(func.coalesce(func.sum(Refund.amount), 0))
        .where(Refund.contract_id == Contract.id, Refund.status == "succeeded")
        .where(Refund.reason_code != "outcome_remainder")
        .scalar_subquery()
    )
    commission = (
        select(func.coalesce(func.sum(Settlement.released + Settlement.brand_fee_part), 0))
        .where(Settlement.contract_id == Contract.id)
        .scalar_subquery()
    )
    return paid, refunded, commission


def spend_of(paid, refunded, commission) -> int:
    return max(int(paid or 0) + int(commission or 0) - int(refunded or 0), 0)


def money_by_contract(contract_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(spend, commission) per contract (``spend_columns``), in one query."""
    if not contract_ids:
        return {}
    paid, refunded, commission = spend_columns()
    rows = read(
        select(Contract.id, paid, refunded, commission).where(Contract.id.in_(contract_ids))
    ).all()
    found = {cid: (spend_of(p, r, c), int(c or 0)) for cid, p, r, c in rows}
    return {cid: found.get(cid, (0, 0)) for cid in contract_ids}
