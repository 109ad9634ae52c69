"""Cancellations, refunds, disputes and their split, and chargebacks."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.campaigns.models import Campaign
from app.contracts.lifecycle import contract_cancelled, lock_contract
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import job, stage_job
from app.ledger.services import CASH, HELD, REFUNDS, Leg, balance, post_entry
from app.payments import gateway
from app.payments.models import Chargeback, DisputeResolution, Funding, Refund, RefundAttempt
from app.status import move
from app.text import clean_text

S = ContractStatus
CANCELLABLE = (S.AWAITING_FUNDING, S.FUNDED)
CLOSED_DISPUTE = ("won", "lost", "warning_closed")
DISPUTABLE = (S.FUNDED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.RELEASED)


def _party_contract(contract_id: int, user_id: int | None, *, admin: bool = False) -> Contract:
    contract = lock_contract(contract_id)
    if not admin and user_id not in (contract.brand_id, contract.kol_id):
        raise NotFound(_("No such contract."))
    return contract


def _paid_funding(contract_id: int) -> Funding | None:
    return db.session.scalar(
        select(Funding).where(Funding.contract_id == contract_id, Funding.status == "paid")
    )


def _give_budget_back(contract: Contract) -> None:
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.id == contract.campaign_id).with_for_update()
    )
    campaign.committed_amount -= contract.price
    campaign.committed_notes -= 1


def claim_refund(*, contract: Contract, amount: int, reason_code: str, charge_id: str) -> Refund:
    """Claim: move the amount from held to refunds-in-flight and stage the Stripe refund."""
    refund = Refund(
        contract_id=contract.id,
        amount=amount,
        currency=contract.currency,
        reason_code=reason_code,
        charge_id=charge_id,
    )
    db.session.add(refund)
    db.session.flush()
    post_entry(
        key=f"refund-claim:{refund.id}",
        kind="refund_claim",
        currency=contract.currency,
        contract_id=contract.id,
        legs=[
            Leg(HELD, amount, contract_id=contract.id),
            Leg(REFUNDS, -amount, contract_id=contract.id),
        ],
        memo=f"Refund to brand ({reason_code})",
    )
    stage_job("payments.refund", refund_id=refund.id)
    return refund


def cancel_contract(
    *,
    contract_id: int,
    actor_id: int | None,
    reason: str,
    admin: bool = False,
    system: bool = False,
) -> Contract:
    """Before submission: cancel; the brand gets everything it paid back, the budget returns."""
    contract = _party_contract(contract_id, actor_id, admin=admin or system)
    if contract.status not in CANCELLABLE:
        raise Conflict(_("After the note is submitted, open a dispute instead of cancelling."))
    was_funded = contract.status == S.FUNDED
    move(contract, S.CANCELLED, by=actor_id, reason=clean_text(reason, 500) or "cancelled")
    contract.cancelled_at = utcnow()
    _give_budget_back(contract)
    if was_funded:
        held = balance(HELD, contract.currency, contract_id=contract.id)
        funding = _paid_funding(contract.id)
        if held > 0 and funding is not None:
            claim_refund(
                contract=contract,
                amount=held,
                reason_code="cancellation",
                charge_id=funding.charge_id,
            )
    contract_cancelled.send(contract, actor_id=actor_id)
    return contract


@job("payments.refund")
def run_refund(refund_id: int) -> None:
    """Claim (CAS), call Stripe with our key, record. Safe to run any number of times."""
    claimed = db.session.execute(
        Refund.__table__.update()
        .where(Refund.id == refund_id, Refund.status.in_(("staged", "processing")))
        .values(status="processing", attempts=Refund.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # already succeeded, or failed for good (finance decides)
    refund = db.session.get(Refund, refund_id)
    attempt = latest_attempt(refund_id)
    attempt_id = attempt.id if attempt else None
    request = dict(
        refund_id=refund.id,
        key=attempt.stripe_key if attempt else refund.idempotency_key,
        charge_id=refund.charge_id,
        amount=refund.amount,
        contract_id=refund.contract_id,
    )
    db.session.commit()  # no transaction stays open while Stripe works
    try:
        # A retry first looks for a refund Stripe made for us after all (a refusal we were
        # told about in error), so a new key can never refund twice.
        found = None
        if attempt_id is not None:
            found = gateway.find_refund(charge_id=request["charge_id"], refund_id=refund_id)
        result = found or gateway.create_refund(**request)
    except gateway.StripeError as error:
        refund = db.session.get(Refund, refund_id)
        refund.last_error = str(error)[:2000]
        if getattr(error, "http_status", None) in (400, 402, 403, 404):
            # Stripe refused: retrying cannot help. No money moved, so the amount stays
            # booked as owed to the brand (refunds in flight) and finance is told.
            refund.status, refund.failed_at = "failed", utcnow()
            if attempt_id is not None:
                attempt = db.session.get(RefundAttempt, attempt_id)
                attempt.outcome, attempt.error = "failed", refund.last_error
            _tell_finance_refund_failed(refund)
            db.session.commit()
            return
        db.session.commit()
        raise  # unknown outcome: the queue retries with backoff; the idempotency key makes it safe
    record_refund(refund_id=refund_id, stripe_refund_id=result["id"])


def latest_attempt(refund_id: int) -> RefundAttempt | None:
    return db.session.scalar(
        select(RefundAttempt)
        .where(RefundAttempt.refund_id == refund_id)
        .order_by(RefundAttempt.id.desc())
        .limit(1)
    )


def retry_refund(*, refund_id: int, actor_id: int, reason: str = "") -> RefundAttempt:
    """Claim a failed refund for another attempt (compare-and-set: of concurrent retries,
    exactly one wins) and stage the refund job, which sends the attempt's own key."""
    claimed = db.session.execute(
        Refund.__table__.update()
        .where(Refund.id == refund_id, Refund.status == "failed")
        .values(status="staged")
    ).rowcount
    if not claimed:
        if db.session.get(Refund, refund_id) is None:
            raise NotFound(_("No such refund."))
        raise Conflict(_("Only a failed refund can be retried."))
    attempt = RefundAttempt(refund_id=refund_id, actor_id=actor_id, reason=reason)
    db.session.add(attempt)
    db.session.flush()
    stage_job("payments.refund", refund_id=refund_id)
    return attempt


def _tell_finance_refund_failed(refund: Refund) -> None:
    from app.auth.models import Role, User
    from app.notifications.models import Notification

    for user_id in db.session.scalars(select(User.id).where(User.role == Role.FINANCE)).all():
        db.session.add(
            Notification(
                user_id=user_id,
                kind="refund_failed",
                text=_(
                    "Stripe refused the refund of contract #%(contract)d: %(error)s",
                    contract=refund.contract_id,
                    error=(refund.last_error or "")[:200],
                ),
                link="/finance/refunds",
            )
        )


def record_refund(*, refund_id: int, stripe_refund_id: str) -> None:
    refund = db.session.get(Refund, refund_id)
    refund.stripe_refund_id = stripe_refund_id
    refund.status, refund.succeeded_at = "succeeded", refund.succeeded_at or utcnow()
    attempt = latest_attempt(refund_id)
    if attempt is not None:
        attempt.outcome = "succeeded"
    post_entry(
        key=f"refund:{stripe_refund_id}",
        kind="refund",
        currency=refund.currency,
        contract_id=refund.contract_id,
        stripe_object_id=stripe_refund_id,
        legs=[
            Leg(REFUNDS, refund.amount, contract_id=refund.contract_id),
            Leg(CASH, -refund.amount),
        ],
        memo=f"Refund {stripe_refund_id} sent",
    )


def open_dispute(*, contract_id: int, user_id: int, reason: str) -> Contract:
    """Either side disputes a funded deal; an admin splits the held money."""
    contract = _party_contract(contract_id, user_id)
    text = clean_text(reason, 2000)
    if not text:
        raise ValidationFailed({"reason": [_("Say what went wrong.")]})
    if contract.status not in DISPUTABLE:
        raise Conflict(_("This contract cannot be disputed now."))
    move(contract, S.DISPUTED, by=user_id, reason=text)
    return contract


def resolve_dispute(
    *, contract_id: int, admin_id: int, refund_amount: int, reason: str
) -> DisputeResolution:
    """Split what is held: ``refund_amount`` back to the brand, the rest released to the KOL."""
    from app.payments.release import release_split

    contract = lock_contract(contract_id)
    if contract.status != S.DISPUTED:
        raise Conflict(_("Only a disputed contract can be resolved."))
    text = clean_text(reason, 2000)
    held = balance(HELD, contract.currency, contract_id=contract.id)
    errors = {}
    if not text:
        errors["reason"] = [_("Write the reason both sides will read.")]
    if refund_amount < 0 or refund_amount > held:
        errors["refund_amount"] = [_("Refund between 0 and the amount held.")]
    if errors:
        raise ValidationFailed(errors)
    resolution = DisputeResolution(
        contract_id=contract.id,
        refund_amount=refund_amount,
        release_amount=held - refund_amount,
        currency=contract.currency,
        reason=text,
        admin_id=admin_id,
    )
    db.session.add(resolution)
    funding = _paid_funding(contract.id)
    if refund_amount:
        claim_refund(
            contract=contract,
            amount=refund_amount,
            reason_code="dispute",
            charge_id=funding.charge_id,
        )
    if held - refund_amount:
        release_split(contract=contract, amount=held - refund_amount, charge_id=funding.charge_id)
    move(contract, S.RESOLVED, by=admin_id, reason=text)
    return resolution


def record_chargeback(*, dispute: dict) -> Chargeback | None:
    """A card dispute (chargeback): freeze the contract and tell finance."""
    existing = db.session.scalar(
        select(Chargeback).where(Chargeback.stripe_dispute_id == dispute["id"])
    )
    if existing is not None:
        if existing.status not in CLOSED_DISPUTE:  # a late "created" never reopens a closed one
            existing.status = dispute.get("status", existing.status)
        return existing
    funding = _disputed_funding(dispute)
    chargeback = Chargeback(
        stripe_dispute_id=dispute["id"],
        charge_id=dispute["charge"],
        contract_id=funding.contract_id if funding else None,
        amount=dispute["amount"],
        currency=dispute["currency"],
        status=dispute.get("status", "needs_response"),
    )
    try:
        with db.session.begin_nested():
            db.session.add(chargeback)
    except IntegrityError:  # the same dispute's other event, recorded concurrently
        return record_chargeback(dispute=dispute)
    if funding is not None:
        contract = lock_contract(funding.contract_id)
        if S.FROZEN in Contract.TRANSITIONS.get(contract.status, ()):
            move(contract, S.FROZEN, by=None, reason=f"chargeback {dispute['id']}")
        _tell_finance(contract, dispute["id"])
    return chargeback


def _disputed_funding(dispute: dict) -> Funding | None:
    """The funding a dispute is about, even when its payment's webhook has not arrived yet
    (webhooks come in any order): found by charge, else by the payment intent's metadata."""
    funding = db.session.scalar(select(Funding).where(Funding.charge_id == dispute["charge"]))
    if funding is not None or not dispute.get("payment_intent"):
        return funding
    metadata = gateway.retrieve_payment_intent(dispute["payment_intent"]).get("metadata") or {}
    funding_id = str(metadata.get("funding_id") or "")
    return db.session.get(Funding, int(funding_id)) if funding_id.isdecimal() else None


def freeze_if_charged_back(contract: Contract, charge_id: str) -> None:
    """A payment booked after its chargeback arrived: freeze now, as in-order delivery would."""
    dispute_id = db.session.scalar(
        select(Chargeback.stripe_dispute_id).where(Chargeback.charge_id == charge_id).limit(1)
    )
    if dispute_id and S.FROZEN in Contract.TRANSITIONS.get(contract.status, ()):
        move(contract, S.FROZEN, by=None, reason=f"chargeback {dispute_id}")
        _tell_finance(contract, dispute_id)


def _tell_finance(contract: Contract, dispute_id: str) -> None:
    from app.auth.models import Role, User
    from app.notifications.models import Notification

    finance = db.session.scalars(select(User.id).where(User.role == Role.FINANCE)).all()
    for user_id in finance:
        db.session.add(
            Notification(
                user_id=user_id,
                kind="chargeback",
                text=_(
                    "Chargeback %(id)s on contract #%(contract)d: the contract is frozen.",
                    id=dispute_id,
                    contract=contract.id,
                ),
                link=f"/contracts/{contract.id}",
            )
        )
