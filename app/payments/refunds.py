"""Cancellations and refunds: claimed, sent to Stripe by a job, followed to their end, retried
by finance and booked. A dispute's split is disputes.py; a card chargeback, chargebacks.py."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.campaigns.models import Campaign
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.jobs import job, stage_job
from app.ledger.services import CASH, HELD, REFUNDS, LedgerError, Leg, balance, post_entry
from app.payments import gateway
from app.payments.models import (
    REFUND_MOVES,
    Funding,
    FundingStatus,
    Refund,
    RefundAttempt,
)
from app.payments.models import RefundStatus as R
from app.payments.stripe_errors import attempt_key, key_is_spent, refused
from app.status import can_move, move, sources
from app.text import clean_text

S = ContractStatus
CANCELLABLE = (S.AWAITING_FUNDING, S.FUNDED)


def party_contract(contract_id: int, user_id: int | None, *, admin: bool = False) -> Contract:
    contract = lock_contract(contract_id)
    if not admin and user_id not in (contract.brand_id, contract.kol_id):
        raise NotFound(_("No such contract."))
    return contract


def paid_funding(contract_id: int) -> Funding | None:
    return db.session.scalar(
        select(Funding)
        .where(Funding.contract_id == contract_id, Funding.status == FundingStatus.PAID)
        .order_by(Funding.id)  # the payment that funded it (a second one is refunded)
        .limit(1)
    )


def _give_budget_back(contract: Contract) -> None:
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.id == contract.campaign_id).with_for_update()
    )
    campaign.committed_amount -= contract.committed  # the price and the outcome cap
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
    from app.paperwork.invoices import issue_credit_note

    issue_credit_note(refund=refund)  # numbered in this transaction, as the refund is claimed
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
    contract = party_contract(contract_id, actor_id, admin=admin or system)
    if contract.status not in CANCELLABLE:
        raise Conflict(_("After the note is submitted, open a dispute instead of cancelling."))
    was_funded = contract.status == S.FUNDED
    move(contract, S.CANCELLED, by=actor_id, reason=clean_text(reason, 500) or "cancelled")
    contract.cancelled_at = utcnow()
    _give_budget_back(contract)
    _tell_cancelled(contract, actor_id, clean_text(reason, 500), system=system)
    if was_funded:
        held = balance(HELD, contract.currency, contract_id=contract.id)
        funding = paid_funding(contract.id)
        if held > 0 and funding is not None:
            claim_refund(
                contract=contract,
                amount=held,
                reason_code="cancellation",
                charge_id=funding.charge_id,
            )
    return contract


def _tell_cancelled(contract: Contract, actor_id: int | None, reason: str, *, system: bool) -> None:
    """The other side hears of it (both, when an admin or the deadline cancelled)."""
    from app.notifications.services import notify

    kind = "contract.expired" if system else "contract.cancelled"
    facts = {"id": contract.id, "title": _campaign_title(contract)}
    if reason and not system:
        kind, facts["reason"] = "contract.cancelled_reason", reason
    for user_id in (contract.brand_id, contract.kol_id):
        if user_id != actor_id:
            notify(user_id=user_id, kind=kind, link=f"/contracts/{contract.id}", **facts)


def _campaign_title(contract: Contract) -> str:
    return db.session.scalar(select(Campaign.title).where(Campaign.id == contract.campaign_id))


@job("payments.refund")
def run_refund(refund_id: int) -> None:
    """Claim (CAS), call Stripe with our key, record. Safe to run any number of times."""
    claimed = db.session.execute(
        Refund.__table__.update()
        .where(Refund.id == refund_id, Refund.status.in_(sources(REFUND_MOVES, R.PROCESSING)))
        .values(status=R.PROCESSING.value, attempts=Refund.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # pending or done at Stripe, or failed for good (finance decides)
    refund = db.session.get(Refund, refund_id)
    attempt = latest_attempt(refund_id)
    attempt_id = attempt.id if attempt else None
    key = attempt.stripe_key if attempt else refund.idempotency_key
    request = dict(
        refund_id=refund.id,
        key=attempt_key(key, refund.key_generation),
        charge_id=refund.charge_id,
        amount=refund.amount,
        contract_id=refund.contract_id,
    )
    # Any run after the first (a retry, a re-run after a crash, finance's new attempt) first
    # asks Stripe for a refund it made for us: a key Stripe pruned (24 h) or a new key can
    # then never refund twice.
    ask_first = refund.attempts > 1 or attempt_id is not None
    db.session.commit()  # no transaction stays open while Stripe works
    try:
        found = None
        if ask_first:
            found = gateway.find_refund(charge_id=request["charge_id"], refund_id=refund_id)
        result = found or gateway.create_refund(**request)
    except gateway.StripeError as error:
        _refund_call_failed(refund_id, attempt_id, error)
        if not refused(error):
            raise  # unknown outcome: the queue retries with backoff
        return
    apply_stripe_refund(refund_id=refund_id, stripe_refund=result, ours=True)


def _refund_call_failed(refund_id: int, attempt_id: int | None, error: Exception) -> None:
    refund = db.session.get(Refund, refund_id)
    refund.last_error = str(error)[:2000]
    if refused(error):
        # Stripe refused: retrying cannot help. No money moved, so the amount stays
        # booked as owed to the brand (refunds in flight) and finance is told.
        move_refund(refund, R.FAILED)
        _note_failure(refund, attempt_id)
    elif key_is_spent(error):
        # Stripe stores a 5xx under its idempotency key and replays it: the next run asks
        # Stripe whether the refund happened, then sends a key of its own.
        refund.key_generation += 1
    db.session.commit()


def _note_failure(refund: Refund, attempt_id: int | None = None) -> None:
    """When and why it failed, on the refund and finance's attempt; finance is told."""
    refund.failed_at = utcnow()
    attempt = db.session.get(RefundAttempt, attempt_id) if attempt_id else latest_attempt(refund.id)
    if attempt is not None:
        attempt.outcome, attempt.error = "failed", refund.last_error
    _tell_refund_failed(refund)


def move_refund(refund: Refund, to: R, *, reason: str | None = None) -> None:
    """Move a refund along REFUND_MOVES and record it; an illegal move is a bug, never a
    silent write (LedgerError: the books would no longer say what Stripe did)."""
    if not can_move(refund, to):
        raise LedgerError(f"refund {refund.id}: {refund.status} -> {to} is not allowed")
    move(refund, to, by=None, reason=reason)


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
        .where(Refund.id == refund_id, Refund.status.in_(sources(REFUND_MOVES, R.STAGED)))
        # A new Stripe refund will be made: the failed one stays only in the ledger's history.
        .values(status=R.STAGED.value, stripe_refund_id=None, failure_reason=None)
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


def _tell_refund_failed(refund: Refund) -> None:
    """Finance decides (retry or not); the brand learns its money is not back yet."""
    from app.notifications.services import notify_finance

    notify_finance(
        kind="refund_failed",
        link="/finance/refunds",
        contract=refund.contract_id,
        error=(refund.last_error or "")[:200],
    )
    _tell_brand(refund, "refund.failed")


def _tell_brand(refund: Refund, kind: str) -> None:
    from app.notifications.messages import money
    from app.notifications.services import notify

    contract = db.session.get(Contract, refund.contract_id)
    notify(
        user_id=contract.brand_id,
        kind=kind,
        link="/payments",
        contract=refund.contract_id,
        amount=money(refund.amount, refund.currency),
    )


STRIPE_REFUND_STATUS = {
    "pending": R.PENDING,
    "requires_action": R.PENDING,
    "succeeded": R.SUCCEEDED,
    "failed": R.FAILED,
    "canceled": R.FAILED,
}


def apply_stripe_refund(
    *, refund_id: int, stripe_refund: dict, ours: bool = False
) -> Refund | None:
    """Bring our refund to the state Stripe says its refund is in (from the job's answer or a
    refund webhook, in any order, any number of times). Money is booked as returned only
    when Stripe says ``succeeded``; a refund that fails after that is owed to the brand again.

    ``ours``: the job's own answer for this attempt. A webhook about a refund we have not
    recorded yet is adopted only while it is alive: a failed one is an earlier attempt's."""
    refund = db.session.scalar(
        select(Refund)
        .where(Refund.id == refund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if refund is None or stripe_refund.get("amount") != refund.amount:
        return None
    if refund.stripe_refund_id not in (None, stripe_refund["id"]):
        return None  # an earlier attempt's refund (finance retried since): not this one
    target = STRIPE_REFUND_STATUS.get(stripe_refund.get("status") or "")
    if refund.stripe_refund_id is None and not ours and target == R.FAILED:
        return None
    current = R(refund.status)
    if target is None or target == current or target not in REFUND_MOVES[current]:
        return refund  # nothing new (a duplicate, an older event, or a stale answer)
    refund.stripe_refund_id = stripe_refund["id"]
    refund.last_error = None
    if target == R.SUCCEEDED:
        _book_refund(refund)
        _tell_brand(refund, "refund.succeeded")  # once: a duplicate finds it succeeded
    elif target == R.FAILED:
        _book_refund_failure(refund, current, stripe_refund)
    move_refund(refund, target)
    return refund


def _book_refund(refund: Refund) -> None:
    refund.succeeded_at = refund.succeeded_at or utcnow()
    attempt = latest_attempt(refund.id)
    if attempt is not None:
        attempt.outcome = "succeeded"
    post_entry(
        key=f"refund:{refund.stripe_refund_id}",
        kind="refund",
        currency=refund.currency,
        contract_id=refund.contract_id,
        stripe_object_id=refund.stripe_refund_id,
        legs=[
            Leg(REFUNDS, refund.amount, contract_id=refund.contract_id),
            Leg(CASH, -refund.amount),
        ],
        memo=f"Refund {refund.stripe_refund_id} sent",
    )


def _book_refund_failure(refund: Refund, was: R, stripe_refund: dict) -> None:
    refund.failure_reason = (stripe_refund.get("failure_reason") or "unknown")[:40]
    refund.last_error = f"Stripe: the refund failed ({refund.failure_reason})"
    if was == R.SUCCEEDED:
        # The issuer sent the money back to our balance: it is owed to the brand again.
        post_entry(
            key=f"refund-failure:{refund.stripe_refund_id}",
            kind="refund_failure",
            currency=refund.currency,
            contract_id=refund.contract_id,
            # Stripe's refund_failure balance transaction, reconciled on its own.
            stripe_object_id=_id_of(stripe_refund.get("failure_balance_transaction"))
            or refund.stripe_refund_id,
            legs=[
                Leg(CASH, refund.amount),
                Leg(REFUNDS, -refund.amount, contract_id=refund.contract_id),
            ],
            memo=f"Refund {refund.stripe_refund_id} returned by the card issuer",
        )
    _note_failure(refund)


def _id_of(value) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def sync_refund(*, stripe_refund_id: str) -> Refund | None:
    """A refund webhook: act on the refund as Stripe holds it now, not the event's copy."""
    found = gateway.retrieve_refund(stripe_refund_id)
    if found is None:
        return None  # Stripe has no such refund: nothing to do
    ours = (found.get("metadata") or {}).get("refund_id")
    refund_id = db.session.scalar(
        select(Refund.id).where(Refund.stripe_refund_id == stripe_refund_id)
    )
    if refund_id is None and str(ours or "").isdecimal():
        refund_id = int(ours)
    if refund_id is None:
        return None
    return apply_stripe_refund(refund_id=refund_id, stripe_refund=found)
