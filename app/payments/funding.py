"""Funding: the brand pays price + brand fee through Checkout; the webhook marks it funded."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.campaigns.models import Campaign
from app.contracts.lifecycle import contract_funded, lock_contract, tick
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict
from app.extensions import db
from app.jobs import job, stage_job
from app.ledger.services import CASH, HELD, STRIPE_FEES, Leg, post_entry
from app.payments import gateway
from app.payments.models import Funding
from app.status import move
from app.templating import contract_url


def start_funding(*, contract_id: int, brand_id: int) -> str:
    """The Checkout URL where the brand pays for the contract (reused while still open)."""
    contract = lock_contract(contract_id)
    if contract.brand_id != brand_id:
        from app.errors import NotFound

        raise NotFound(_("No such contract."))
    if contract.status != ContractStatus.AWAITING_FUNDING:
        raise Conflict(_("This contract does not need funding."))
    funding = db.session.scalar(
        select(Funding).where(Funding.contract_id == contract.id, Funding.status == "open")
    )
    if funding is not None and funding.checkout_url:
        return funding.checkout_url
    funding = Funding(
        contract_id=contract.id, amount=contract.brand_total, currency=contract.currency
    )
    db.session.add(funding)
    db.session.flush()
    campaign = db.session.get(Campaign, contract.campaign_id)
    brand = db.session.get(User, brand_id)
    session = gateway.create_checkout_session(
        funding_id=funding.id,
        key=funding.idempotency_key,
        contract_id=contract.id,
        amount=funding.amount,
        currency=funding.currency,
        product=f"{campaign.title} — contract #{contract.id}",
        customer_email=brand.email,
        success_url=url_for("payments.funded", contract_id=contract.id, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("main.home", _external=True).rstrip("/") + contract_url(contract.id),
    )
    funding.checkout_session_id = session["id"]
    funding.checkout_url = session["url"]
    return funding.checkout_url


def record_payment(*, funding_id: int, payment_intent_id: str) -> Contract | None:
    """Book a succeeded payment once (from either webhook, in any order) and fund the contract.

    Acts on Stripe's current state: the payment intent is fetched, not trusted from the event."""
    intent = gateway.retrieve_payment_intent(payment_intent_id)
    if intent.get("status") != "succeeded":
        return None
    funding = db.session.scalar(select(Funding).where(Funding.id == funding_id).with_for_update())
    if funding is None or not _matches(funding, intent):
        return None
    charge_id = intent["latest_charge"]
    contract = lock_contract(funding.contract_id)
    if funding.status != "paid":
        funding.status, funding.paid_at = "paid", utcnow()
        funding.payment_intent_id, funding.charge_id = payment_intent_id, charge_id
    booked = post_entry(
        key=f"funding:{charge_id}",
        kind="funding",
        currency=funding.currency,
        contract_id=contract.id,
        stripe_object_id=charge_id,
        legs=[Leg(CASH, funding.amount), Leg(HELD, -funding.amount, contract_id=contract.id)],
        memo=f"Brand paid contract #{contract.id}",
    )
    if contract.status == ContractStatus.AWAITING_FUNDING:
        move(contract, ContractStatus.FUNDED, by=None, reason="payment succeeded")
        contract.funded_at = utcnow()
        contract_funded.send(contract)
    elif contract.status == ContractStatus.CANCELLED and booked is not None:
        # Paid after the contract was cancelled: the money goes straight back, once (the
        # payment's second event finds it booked and refunds nothing more).
        from app.payments.refunds import claim_refund

        claim_refund(
            contract=contract,
            amount=funding.amount,
            reason_code="late_payment",
            charge_id=charge_id,
        )
    from app.payments.refunds import freeze_if_charged_back

    freeze_if_charged_back(contract, charge_id)
    stage_job("payments.book_stripe_fee", funding_id=funding.id)
    return contract


def _matches(funding: Funding, intent: dict) -> bool:
    """The payment is the one this funding asked for (ids, amount and currency)."""
    metadata = intent.get("metadata") or {}
    return (
        metadata.get("funding_id") == str(funding.id)
        and metadata.get("contract_id") == str(funding.contract_id)
        and intent.get("amount") == funding.amount
        and intent.get("currency") == funding.currency
    )


@job("payments.book_stripe_fee")
def book_stripe_fee(funding_id: int) -> None:
    """Book Stripe's processing fee for a funding charge, from its balance transaction."""
    funding = db.session.get(Funding, funding_id)
    if funding is None or not funding.charge_id:
        return
    charge = gateway.retrieve_charge(funding.charge_id)
    txn = charge.get("balance_transaction")
    if not isinstance(txn, dict) or not txn.get("fee"):
        return
    post_entry(
        key=f"fee:{txn['id']}",
        kind="stripe_fee",
        currency=funding.currency,
        contract_id=funding.contract_id,
        stripe_object_id=txn["id"],
        legs=[Leg(STRIPE_FEES, txn["fee"]), Leg(CASH, -txn["fee"])],
        memo=f"Stripe fee on {funding.charge_id}",
    )


@tick("expire_unfunded")
def expire_unfunded_contracts(now: datetime) -> int:
    """Contracts not funded in time are cancelled and give their budget back."""
    from app.payments.refunds import cancel_contract

    ids = db.session.scalars(
        select(Contract.id).where(
            Contract.status == ContractStatus.AWAITING_FUNDING,
            Contract.funding_deadline.is_not(None),
            Contract.funding_deadline < now,
        )
    ).all()
    for contract_id in ids:
        cancel_contract(
            contract_id=contract_id,
            actor_id=None,
            reason="not funded before the deadline",
            system=True,
        )
    return len(ids)
