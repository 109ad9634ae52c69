"""Contract status moves driven by other features (notes, payments) and the periodic tick.

Notes call ``mark_submitted`` / ``mark_changes_requested`` / ``mark_approved``; payments listen to
the signals below to stage money jobs (release on approval, refund on cancellation) in the same
transaction. ``flask contracts tick`` runs every registered tick (review-window auto-approval,
bid expiry, unfunded contracts, keep-live releases); the scheduled job calls the same function.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import select

from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.status import StatusChange, move

signals = Namespace()
contract_funded = signals.signal("contract-funded")
contract_approved = signals.signal("contract-approved")
contract_cancelled = signals.signal("contract-cancelled")

TICKS: dict[str, Callable[[datetime], int]] = {}
KEEP_LIVE_BREACH = "keep-live breach"


def tick(name: str) -> Callable:
    """Register a periodic step: ``func(now) -> number of objects it moved``."""

    def register(func: Callable[[datetime], int]) -> Callable[[datetime], int]:
        TICKS[name] = func
        return func

    return register


def run_ticks(now: datetime | None = None) -> dict[str, int]:
    """Run every registered tick once; each flushes, the caller commits."""
    now = now or utcnow()
    return {name: func(now) for name, func in TICKS.items()}


def lock_contract(contract_id: int) -> Contract:
    """The contract, row-locked on PostgreSQL until the transaction ends.

    Refreshed from the locked row: a copy loaded earlier in the request (before another
    transaction committed) would otherwise let a stale status through the lock."""
    contract = db.session.scalar(
        select(Contract)
        .where(Contract.id == contract_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if contract is None:
        raise NotFound(_("No such contract."))
    return contract


def mark_submitted(*, contract_id: int, by: int) -> Contract:
    """A note was submitted: the brand's review window starts."""
    contract = lock_contract(contract_id)
    move(contract, ContractStatus.IN_REVIEW, by=by, reason="note submitted")
    now = utcnow()
    contract.submitted_at = now
    contract.review_due_at = now + timedelta(days=contract.review_window_days)
    return contract


def mark_changes_requested(*, contract_id: int, by: int, reason: str) -> Contract:
    contract = lock_contract(contract_id)
    move(contract, ContractStatus.CHANGES_REQUESTED, by=by, reason=reason)
    contract.revisions_used += 1
    contract.review_due_at = None
    return contract


def mark_approved(*, contract_id: int, by: int | None, reason: str) -> Contract:
    """The note was approved (or the review window passed): money listeners stage the release."""
    contract = lock_contract(contract_id)
    move(contract, ContractStatus.APPROVED, by=by, reason=reason)
    now = utcnow()
    contract.approved_at = now
    contract.review_due_at = None
    contract.keep_live_until = now + timedelta(days=contract.keep_live_days)
    contract_approved.send(contract, actor_id=by)
    return contract


keep_live_breached = signals.signal("keep-live-breached")


def record_keep_live_breach(contract_id: int, by: int | None) -> StatusChange:
    """The KOL took the note down before keep-live ended without the brand's consent.

    A history row on the contract without a status change; payments listen to the signal
    (an early takedown refunds the share still held).
    """
    contract = lock_contract(contract_id)
    change = StatusChange(
        entity=Contract.STATUS_ENTITY,
        entity_id=contract.id,
        from_status=str(contract.status),
        to_status=str(contract.status),
        actor_id=by,
        reason=KEEP_LIVE_BREACH,
    )
    db.session.add(change)
    db.session.flush()
    keep_live_breached.send(contract, actor_id=by)
    return change
