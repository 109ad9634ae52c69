"""Contract status moves driven by other features (notes, payments).

Notes call ``mark_submitted`` / ``mark_changes_requested``; an approval goes through
``app.payments.approvals.approve_contract``, which calls ``mark_approved`` and then stages the
release in the same transaction (payments imports contracts, never the other way round).
The periodic steps (review-window auto-approval, keep-live releases …) are listed in
app/periodic.py, with the scheduler.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.contracts.deliverables import deliverables_of, follow, mark_in_review, step
from app.contracts.models import Contract, ContractStatus, Deliverable
from app.contracts.models import DeliverableStatus as D
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


def mark_submitted(*, contract_id: int, by: int, deliverable_id: int | None = None) -> Contract:
    """A note was submitted: the brand's review window starts (for its deliverable)."""
    contract = lock_contract(contract_id)
    now = utcnow()
    parts = deliverables_of(contract.id)
    part = _one_of(parts, deliverable_id)
    if part is None:  # the contract as a whole (its one deliverable follows)
        move(contract, ContractStatus.IN_REVIEW, by=by, reason="note submitted")
        contract.submitted_at = now
        contract.review_due_at = now + timedelta(days=contract.review_window_days)
        for each in parts:
            follow(each, D.IN_REVIEW, by=by, reason="note submitted")
            mark_in_review(each, now=now, window_days=contract.review_window_days)
        return contract
    step(part, D.IN_REVIEW, by=by, reason="note submitted")
    mark_in_review(part, now=now, window_days=contract.review_window_days)
    contract.submitted_at = now
    settle_status(contract, parts, by=by, reason="note submitted")
    return contract


def _one_of(parts: list[Deliverable], deliverable_id: int | None) -> Deliverable | None:
    """The deliverable that moves on its own, or None when the contract moves as a whole
    (one deliverable, or a caller that names none)."""
    if deliverable_id is None or len(parts) <= 1:
        return None
    for part in parts:
        if part.id == deliverable_id:
            return part
    raise NotFound(_("No such deliverable."))


def settle_status(contract: Contract, parts: list[Deliverable], *, by: int | None, reason: str):
    """A contract of several deliverables, not all approved: in review while any is, else
    changes requested while any is, else funded (the KOL works on the next one)."""
    statuses = {part.status for part in parts}
    if D.IN_REVIEW in statuses:
        wanted = ContractStatus.IN_REVIEW
    elif D.CHANGES_REQUESTED in statuses:
        wanted = ContractStatus.CHANGES_REQUESTED
    else:
        wanted = ContractStatus.FUNDED
    if contract.status != wanted:
        move(contract, wanted, by=by, reason=reason)
    dues = [part.review_due_at for part in parts if part.status == D.IN_REVIEW]
    contract.review_due_at = min(dues) if dues else None


def mark_changes_requested(
    *, contract_id: int, by: int, reason: str, deliverable_id: int | None = None
) -> Contract:
    contract = lock_contract(contract_id)
    parts = deliverables_of(contract.id)
    part = _one_of(parts, deliverable_id)
    contract.revisions_used += 1
    if part is None:
        move(contract, ContractStatus.CHANGES_REQUESTED, by=by, reason=reason)
        contract.review_due_at = None
        for each in parts:
            follow(each, D.CHANGES_REQUESTED, by=by, reason=reason)
            each.revisions_used += 1
            each.review_due_at = None
        return contract
    step(part, D.CHANGES_REQUESTED, by=by, reason=reason)
    part.revisions_used += 1
    part.review_due_at = None
    settle_status(contract, parts, by=by, reason=reason)
    return contract


def mark_approved(*, contract_id: int, by: int | None, reason: str) -> Contract:
    """The status step of an approval; ``payments.approvals.approve_contract`` calls it and then
    releases the first share (call that, not this, to approve a deal). Every deliverable is
    approved by then (the last one's approval completes the contract's review)."""
    contract = lock_contract(contract_id)
    move(contract, ContractStatus.APPROVED, by=by, reason=reason)
    now = utcnow()
    contract.approved_at = now
    contract.review_due_at = None
    contract.keep_live_until = now + timedelta(days=contract.keep_live_days)
    for part in deliverables_of(contract.id):
        follow(part, D.APPROVED, by=by, reason=reason)
        part.approved_at = part.approved_at or now
        part.review_due_at = None
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
