"""Funding: the brand pays price + brand fee through Checkout; the webhook marks it funded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.campaigns.models import Campaign
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict
from app.extensions import db
from app.jobs import job, stage_job
from app.ledger.services import CASH, HELD, STRIPE_FEES, Leg, post_entry
from app.money import offered_currencies
from app.payments import gateway
from app.payments.models import Funding, FundingStatus, PaymentFailure
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
    if contract.currency not in offered_currencies():
        # Stripe would convert the payment into another currency, and the KOL's transfer
        # must be in that currency: refused before anyone pays (docs/going-live.md).
        raise Conflict(
            _(
                "Payments in %(currency)s are not available on this platform; contact support.",
                currency=contract.currency.upper(),
            )
        )
    funding = db.session.scalar(
        select(Funding).where(
            Funding.contract_id == contract.id, Funding.status == FundingStatus.OPEN
        )
    )
    if funding is not None and _still_payable(funding):
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
    funding.checkout_url = _absolute(session["url"])
    return funding.checkout_url


# A link about to expire is not handed out: the brand needs time to pay on it.
EXPIRY_MARGIN = timedelta(minutes=10)


def _still_payable(funding: Funding) -> bool:
    """The open session's link can still be paid on (asked of Stripe, not assumed); an
    expired or completed one is marked so, and a new session is made instead."""
    if not funding.checkout_session_id or not funding.checkout_url:
        return False
    session = gateway.retrieve_checkout_session(funding.checkout_session_id)
    expires = datetime.fromtimestamp(session.get("expires_at") or 0, UTC)
    if session.get("status") == "open" and expires > utcnow() + EXPIRY_MARGIN:
        return True
    if session.get("status") == "open":
        # About to expire: end it at Stripe before a new link is made, so the brand can
        # never pay on both (Stripe refuses to expire one that was paid meanwhile).
        try:
            session = gateway.expire_checkout_session(funding.checkout_session_id)
        except gateway.InvalidRequestError:
            session = gateway.retrieve_checkout_session(funding.checkout_session_id)
    if session.get("status") != "complete":  # a completed one is booked by its webhook
        move(funding, FundingStatus.EXPIRED, by=None, reason="Checkout link expired")
    return False


def _absolute(url: str) -> str:
    """Stripe's URLs are absolute; the emulator's (served by this app) may be relative."""
    if url.startswith("/"):
        return url_for("main.home", _external=True).rstrip("/") + url
    return url


def mark_session_expired(*, session: dict) -> None:
    """checkout.session.expired: the funding's link is dead; the next Fund makes a new one."""
    funding_id = session_funding_id(session)
    funding = db.session.get(Funding, funding_id) if funding_id else None
    if funding is not None and funding.status == FundingStatus.OPEN:
        current = gateway.retrieve_checkout_session(session["id"])
        if current.get("status") == "expired":
            move(funding, FundingStatus.EXPIRED, by=None, reason="checkout.session.expired")


def session_funding_id(obj: dict) -> int | None:
    metadata = obj.get("metadata")
    value = metadata.get("funding_id") if isinstance(metadata, dict) else None
    return int(value) if isinstance(value, str) and value.isdecimal() and len(value) < 18 else None


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
    if funding.status != FundingStatus.PAID:
        move(funding, FundingStatus.PAID, by=None, reason=f"payment {payment_intent_id}")
        funding.paid_at = utcnow()
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
    if booked is not None:  # each paid funding is invoiced once, numbered in this transaction
        from app.paperwork.invoices import issue_invoice

        issue_invoice(funding=funding, contract=contract)
    if funding.licence_purchase_id is not None:
        # A licence bought later on the published note: it runs, and the KOL is paid for it.
        from app.licences.purchases import record_licence_payment

        record_licence_payment(contract=contract, funding=funding, charge_id=charge_id)
    elif contract.status == ContractStatus.AWAITING_FUNDING:
        move(contract, ContractStatus.FUNDED, by=None, reason="payment succeeded")
        contract.funded_at = utcnow()
        _tell_funded(contract, funding)  # once: the payment's second event finds it funded
    elif booked is not None and _late_or_second(contract, funding):
        # Paid after the contract was cancelled, or a second payment of a funded contract:
        # the money goes straight back, once (the payment's second event finds it booked).
        from app.payments.refunds import claim_refund

        claim_refund(
            contract=contract,
            amount=funding.amount,
            reason_code="late_payment"
            if contract.status == ContractStatus.CANCELLED
            else f"second_payment:{funding.id}",
            charge_id=charge_id,
        )
    from app.payments.chargebacks import freeze_if_charged_back

    freeze_if_charged_back(contract, charge_id)
    stage_job("payments.book_stripe_fee", funding_id=funding.id)
    return contract


def _tell_funded(contract: Contract, funding: Funding) -> None:
    """The KOL may start; the brand's payment went through (the page promised to say so)."""
    from app.notifications.messages import money
    from app.notifications.services import notify

    title = db.session.scalar(select(Campaign.title).where(Campaign.id == contract.campaign_id))
    link = f"/contracts/{contract.id}"
    notify(user_id=contract.kol_id, kind="contract.funded", link=link, id=contract.id, title=title)
    amount = money(funding.amount, funding.currency)
    notify(
        user_id=contract.brand_id, kind="contract.paid", link=link, id=contract.id, amount=amount
    )
    from app.webhooks.services import emit

    emit(
        brand_id=contract.brand_id,
        event_type="contract.funded",
        key=f"contract:{contract.id}",
        data={"contract_id": contract.id, "campaign_id": contract.campaign_id,
              "kol_id": contract.kol_id, "amount": funding.amount, "currency": funding.currency},
    )  # fmt: skip


def _late_or_second(contract: Contract, funding: Funding) -> bool:
    """The contract was cancelled, or another funding of it was paid first."""
    if contract.status == ContractStatus.CANCELLED:
        return True
    first = db.session.scalar(
        select(func.min(Funding.id)).where(
            Funding.contract_id == contract.id, Funding.status == FundingStatus.PAID
        )
    )
    return first is not None and first != funding.id


def _matches(funding: Funding, intent: dict) -> bool:
    """The payment is the one this funding asked for (ids, amount and currency)."""
    metadata = intent.get("metadata") or {}
    return (
        metadata.get("funding_id") == str(funding.id)
        and metadata.get("contract_id") == str(funding.contract_id)
        and intent.get("amount") == funding.amount
        and intent.get("currency") == funding.currency
    )


def record_payment_failure(*, intent_id: str | None = None, session: dict | None = None) -> None:
    """A declined or failed payment (payment_intent.payment_failed, or
    checkout.session.async_payment_failed): kept on the contract for the brand to read, with
    Stripe's reason, once per failed attempt. The contract stays awaiting funding."""
    if intent_id is not None:
        intent = gateway.retrieve_payment_intent(intent_id)
        error = intent.get("last_payment_error") or {}
        funding_id = session_funding_id(intent)
        attempt = error.get("charge") or intent_id
    else:
        error, funding_id, attempt = {}, session_funding_id(session or {}), session["id"]
    # Locked first, as record_payment does: the same lock order whichever event comes first,
    # and a duplicate of this event waits here, then finds the failure recorded.
    funding = (
        db.session.scalar(select(Funding).where(Funding.id == funding_id).with_for_update())
        if funding_id
        else None
    )
    if funding is None or funding.status == FundingStatus.PAID:
        return
    exists = db.session.scalar(
        select(PaymentFailure.id).where(PaymentFailure.stripe_object_id == attempt)
    )
    if exists is not None:
        return
    failure = PaymentFailure(
        contract_id=funding.contract_id,
        funding_id=funding.id,
        stripe_object_id=attempt,
        code=(error.get("code") or ("async_payment_failed" if session else None)),
        decline_code=error.get("decline_code"),
        stripe_message=(error.get("message") or None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(failure)
    except IntegrityError:  # the same failure's other event, recorded concurrently
        pass


def fee_for_charge(*, charge_id: str) -> None:
    """charge.updated: the charge's balance transaction may only now exist (Stripe can set
    it after the payment); book its fee if we have not."""
    funding_id = db.session.scalar(select(Funding.id).where(Funding.charge_id == charge_id))
    if funding_id is not None:
        stage_job("payments.book_stripe_fee", funding_id=funding_id)


@job("payments.book_stripe_fee")
def book_stripe_fee(funding_id: int) -> None:
    """Book Stripe's processing fee for a funding charge, from its balance transaction."""
    funding = db.session.get(Funding, funding_id)
    if funding is None or not funding.charge_id:
        return
    charge = gateway.retrieve_charge(funding.charge_id)
    txn = charge.get("balance_transaction")
    if not isinstance(txn, dict) or not txn.get("fee"):
        return  # not settled yet: charge.updated books it when Stripe sets it
    post_entry(
        key=f"fee:{txn['id']}",
        kind="stripe_fee",
        currency=txn["currency"],  # the fee is in the currency Stripe charged it in
        contract_id=funding.contract_id,
        stripe_object_id=txn["id"],
        legs=[Leg(STRIPE_FEES, txn["fee"]), Leg(CASH, -txn["fee"])],
        memo=f"Stripe fee on {funding.charge_id}",
    )


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
