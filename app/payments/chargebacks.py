"""Card chargebacks: a Stripe dispute recorded once, whatever order its events come in, the
contract frozen and finance told. And its money, as Stripe moves it: the disputed amount and
Stripe's dispute fee leave our balance when the dispute opens (``charge.dispute.funds_withdrawn``);
a won dispute brings the amount back (``funds_reinstated``), never the fee; a lost one is paid
for out of what the contract still holds, and any rest is our loss.

Booked from the dispute as Stripe holds it now (its ``balance_transactions``), one entry per
balance transaction, so events in any order, repeated or missed, book each movement once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.services import (
    CASH,
    CHARGEBACK_LOSSES,
    CHARGEBACKS,
    DISPUTE_FEES,
    HELD,
    Leg,
    balance,
    post_entry,
)
from app.payments import gateway
from app.payments.models import Chargeback, DisputeStatus, Funding, FundingStatus
from app.status import can_move, move

S = ContractStatus


def book_dispute_funds(*, contract_id: int | None, dispute: dict, paid: bool) -> None:
    """Every fund movement of ``dispute`` not booked yet, then the write-off if it was lost
    and the contract's payment is booked (``paid``; else record_payment settles it later, so
    the books are the same whatever order the events come in)."""
    currency = None
    for txn in dispute.get("balance_transactions") or []:
        if not isinstance(txn, dict) or txn.get("type") != "adjustment" or not txn.get("amount"):
            continue
        amount, currency = int(txn["amount"]), txn["currency"]
        post_entry(
            key=f"dispute-funds:{txn['id']}",
            kind="chargeback_funds",
            currency=currency,
            contract_id=contract_id,
            stripe_object_id=txn["id"],  # reconciled per balance transaction (net and fee)
            legs=_legs(contract_id, amount, int(txn.get("fee") or 0)),
            memo=f"Chargeback {dispute['id']}: funds {'withdrawn' if amount < 0 else 'reinstated'}",
        )
    if dispute.get("status") == "lost" and paid and currency and contract_id:
        settle_lost_chargeback(contract_id=contract_id, dispute_id=dispute["id"], currency=currency)


def _legs(contract_id: int | None, amount: int, fee: int) -> list[Leg]:
    """Withdrawn (amount < 0): the bank took the amount, Stripe its fee; reinstated: back."""
    return [
        Leg(CHARGEBACKS, -amount, contract_id=contract_id),
        Leg(DISPUTE_FEES, fee),
        Leg(CASH, amount - fee),
    ]


def settle_lost_chargeback(*, contract_id: int, dispute_id: str, currency: str) -> None:
    """Lost: the brand has its money back from its bank, so what the contract holds pays for
    it (it can no longer be refunded or released); the rest is the platform's loss."""
    taken = balance(CHARGEBACKS, currency, contract_id=contract_id)
    if taken <= 0:
        return
    from_held = min(balance(HELD, currency, contract_id=contract_id), taken)
    post_entry(
        key=f"dispute-lost:{dispute_id}",
        kind="chargeback_lost",
        currency=currency,
        contract_id=contract_id,
        stripe_object_id=dispute_id,
        legs=[
            Leg(HELD, from_held, contract_id=contract_id),
            Leg(CHARGEBACK_LOSSES, taken - from_held),
            Leg(CHARGEBACKS, -taken, contract_id=contract_id),
        ],
        memo=f"Chargeback {dispute_id} lost",
    )


def record_chargeback(*, dispute: dict) -> Chargeback | None:
    """A card dispute (chargeback): freeze the contract and tell finance."""
    existing = db.session.scalar(
        select(Chargeback).where(Chargeback.stripe_dispute_id == dispute["id"])
    )
    if existing is not None:
        _follow_dispute(existing, _dispute_status(dispute))
        book_dispute_funds(
            contract_id=existing.contract_id, dispute=dispute, paid=_is_paid(dispute["charge"])
        )
        return existing
    funding = _disputed_funding(dispute)
    chargeback = Chargeback(
        stripe_dispute_id=dispute["id"],
        charge_id=dispute["charge"],
        contract_id=funding.contract_id if funding else None,
        amount=dispute["amount"],
        currency=dispute["currency"],
        status=_dispute_status(dispute) or DisputeStatus.NEEDS_RESPONSE,
    )
    try:
        with db.session.begin_nested():
            db.session.add(chargeback)
    except IntegrityError:  # the same dispute's other event, recorded concurrently
        return record_chargeback(dispute=dispute)
    book_dispute_funds(
        contract_id=chargeback.contract_id, dispute=dispute, paid=_is_paid(dispute["charge"])
    )
    if funding is not None:
        contract = lock_contract(funding.contract_id)
        if can_move(contract, S.FROZEN):
            move(contract, S.FROZEN, by=None, reason=f"chargeback {dispute['id']}")
        _tell_finance(contract, dispute["id"])
    return chargeback


def _dispute_status(dispute: dict) -> DisputeStatus | None:
    try:
        return DisputeStatus(dispute.get("status"))
    except ValueError:  # a status newer than our table: kept as it was
        return None


def _follow_dispute(chargeback: Chargeback, status: DisputeStatus | None) -> None:
    """Stripe's status when it is a move Stripe makes; an older event (a late "created" after
    the dispute was closed) or a repeat changes nothing."""
    if status is not None and can_move(chargeback, status):
        move(chargeback, status, by=None, reason=f"Stripe dispute {chargeback.stripe_dispute_id}")


def _disputed_funding(dispute: dict) -> Funding | None:
    """The funding a dispute is about, even when its payment's webhook has not arrived yet
    (webhooks come in any order): found by charge, else by the payment intent's metadata."""
    funding = db.session.scalar(select(Funding).where(Funding.charge_id == dispute["charge"]))
    if funding is not None or not dispute.get("payment_intent"):
        return funding
    metadata = gateway.retrieve_payment_intent(dispute["payment_intent"]).get("metadata") or {}
    funding_id = str(metadata.get("funding_id") or "")
    return db.session.get(Funding, int(funding_id)) if funding_id.isdecimal() else None


def _is_paid(charge_id: str) -> bool:
    """The payment for this charge is booked (funded in the ledger)."""
    return (
        db.session.scalar(
            select(Funding.id).where(
                Funding.charge_id == charge_id, Funding.status == FundingStatus.PAID
            )
        )
        is not None
    )


def freeze_if_charged_back(contract: Contract, charge_id: str) -> None:
    """A payment booked after its chargeback arrived: freeze now, and settle a lost one, as
    in-order delivery would have."""
    for dispute_id, status, currency in db.session.execute(
        select(Chargeback.stripe_dispute_id, Chargeback.status, Chargeback.currency).where(
            Chargeback.charge_id == charge_id
        )
    ).all():
        if status == DisputeStatus.LOST:
            settle_lost_chargeback(
                contract_id=contract.id, dispute_id=dispute_id, currency=currency
            )
    dispute_id = db.session.scalar(
        select(Chargeback.stripe_dispute_id).where(Chargeback.charge_id == charge_id).limit(1)
    )
    if dispute_id and can_move(contract, S.FROZEN):
        move(contract, S.FROZEN, by=None, reason=f"chargeback {dispute_id}")
        _tell_finance(contract, dispute_id)


def _tell_finance(contract: Contract, dispute_id: str) -> None:
    from app.notifications.services import notify_finance

    notify_finance(
        kind="chargeback", link=f"/contracts/{contract.id}", id=dispute_id, contract=contract.id
    )
