"""Approvals and keep-live ending release money: a deliverable's or a whole contract's approval
releases the first share of each deliverable at once; keep-live over, the rest goes to the KOL
if the note stayed live, else back to the brand. The payouts themselves:
app/payments/release.py."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.contracts import lifecycle
from app.contracts.deliverables import deliverables_of, lock_deliverable, step
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.contracts.models import DeliverableStatus as D
from app.db_types import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.ledger.services import HELD, balance
from app.payments.models import Payout
from app.payments.release import funding_charge_id, release_stage
from app.status import move

S = ContractStatus


def approve_contract(*, contract_id: int, by: int | None, reason: str) -> Contract:
    """Approval (by the brand, or the review window passing) of the whole contract: it is
    approved and the first share of each deliverable released in the same transaction."""
    contract = lifecycle.mark_approved(contract_id=contract_id, by=by, reason=reason)
    release_on_approval(contract, actor_id=by)
    return contract


def approve_deliverable(*, contract_id: int, deliverable_id: int, by: int | None, reason: str):
    """One deliverable approved: its share goes to the KOL at once. The last one to be
    approved approves the contract (keep-live starts, as for a single note).

    The contract's row lock, then the deliverable re-read under its own, make concurrent
    approvals of one deliverable queue: the first approves, the others find it approved."""
    contract = lifecycle.lock_contract(contract_id)
    part = lock_deliverable(deliverable_id)
    parts = deliverables_of(contract.id)
    if part.contract_id != contract.id:
        raise NotFound(_("No such deliverable."))
    if len(parts) == 1:  # a single-note deal: the contract's status decides, as it always did
        return approve_contract(contract_id=contract.id, by=by, reason=reason)
    if contract.status != S.IN_REVIEW:
        raise Conflict(_("This contract is not in review: nothing can be approved now."))
    step(part, D.APPROVED, by=by, reason=reason)  # raises unless it is in review
    part.approved_at = utcnow()
    part.review_due_at = None
    if all(p.status == D.APPROVED for p in parts):
        return approve_contract(contract_id=contract.id, by=by, reason=reason)
    release_stage(contract, "approval", part.position)
    lifecycle.settle_status(contract, parts, by=by, reason=reason)
    return contract


def release_on_approval(contract: Contract, *, actor_id: int | None) -> Payout | None:
    """The first share (RELEASE_ON_APPROVAL_BPS) of each deliverable not yet released goes to
    the KOL at once, with the usage licence's fee; the rest waits for keep-live
    (``release_after_keep_live``)."""
    from app.licences.services import start_licence

    payouts = [
        release_stage(contract, "approval", part.position) for part in deliverables_of(contract.id)
    ] or [release_stage(contract, "approval")]
    start_licence(contract)  # the usage licence's fee, paid once, with the last approval
    move(contract, S.RELEASED, by=actor_id, reason="released on approval")
    return payouts[-1]


def release_after_keep_live(now: datetime) -> int:
    """Keep-live over: release the rest if the note stayed live, else refund it to the brand."""
    from app.outcomes.settlement import reserve_left
    from app.payments.refunds import claim_refund

    ids = db.session.scalars(
        select(Contract.id).where(Contract.status == S.RELEASED, Contract.keep_live_until < now)
    ).all()
    for contract_id in ids:
        contract = lock_contract(contract_id)
        if contract.status != S.RELEASED:
            continue
        if _note_kept_live(contract):
            release_stage(contract, "keep_live")
        else:
            # What is still held for commission and bonus waits for the outcome settlement.
            held = balance(HELD, contract.currency, contract_id=contract.id)
            held -= reserve_left(contract)
            if held > 0:
                claim_refund(
                    contract=contract,
                    amount=held,
                    reason_code="takedown",
                    charge_id=funding_charge_id(contract.id),
                )
        move(contract, S.COMPLETED, by=None, reason="keep-live period ended")
        contract.completed_at = now
    return len(ids)


def _note_kept_live(contract: Contract) -> bool:
    """The note is live now and was never taken down without the brand's consent."""
    from app.notes.models import Note, NoteStatus

    statuses = db.session.scalars(select(Note.status).where(Note.contract_id == contract.id))
    statuses = list(statuses)
    kept = bool(statuses) and all(status == NoteStatus.PUBLISHED for status in statuses)
    return kept and contract.keep_live_breached_at is None
