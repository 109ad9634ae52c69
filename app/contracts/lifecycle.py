"""Contract status moves driven by other features (notes, payments).

Notes call ``mark_submitted`` / ``mark_changes_requested``; an approval goes through
``app.payments.release.approve_contract``, which calls ``mark_approved`` and then stages the
release in the same transaction (payments imports contracts, never the other way round).
The periodic steps (review-window auto-approval, keep-live releases …) are listed in
app/periodic.py, with the scheduler.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.status import StatusChange, move

KEEP_LIVE_BREACH = "keep-live breach"


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
    """The status step of an approval; ``payments.release.approve_contract`` calls it and then
    releases the first share (call that, not this, to approve a deal)."""
    contract = lock_contract(contract_id)
    move(contract, ContractStatus.APPROVED, by=by, reason=reason)
    now = utcnow()
    contract.approved_at = now
    contract.review_due_at = None
    contract.keep_live_until = now + timedelta(days=contract.keep_live_days)
    return contract


def record_keep_live_breach(contract_id: int, by: int | None) -> StatusChange:
    """The KOL took the note down before keep-live ended without the brand's consent.

    Kept as a typed fact (``keep_live_breached_at``: the keep-live release then refunds the
    share still held instead of releasing it) and as a history row for the timeline.
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
    contract.keep_live_breached_at = contract.keep_live_breached_at or utcnow()
    db.session.add(change)
    db.session.flush()
    return change
