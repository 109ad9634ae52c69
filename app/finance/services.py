"""Finance actions: payouts (retry, hold, release), refund retries, corrections, resolutions,
closing periods.

Each action checks that the actor is finance (admins may only look), writes an audit row, and
flushes; the route commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import audited
from app.auth.models import Role, User
from app.db_types import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.finance.models import (
    DIFFERENCES,
    FinanceAuditLog,
    PeriodStatus,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
    RunStatus,
)
from app.jobs import stage_job
from app.ledger.models import HELD, KINDS, PAYABLE, REFUNDS, JournalEntry
from app.ledger.services import LedgerError, Leg, post_correction
from app.payments import refunds, release
from app.payments.models import Payout, PayoutStatus, Refund, RefundAttempt
from app.status import move
from app.text import clean_text

HOLDABLE = (PayoutStatus.WAITING_ONBOARDING, PayoutStatus.STAGED, PayoutStatus.FAILED)
PAYOUT_ACTIONS = ("retry", "hold", "release_hold")


def require_finance(actor_id: int) -> User:
    """The actor, when it is a finance user; admins and everyone else may not act."""
    user = db.session.get(User, actor_id)
    if user is None or user.role != Role.FINANCE:
        raise Forbidden(_("Only finance staff can do this."))
    return user


def record_audit(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: Any,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
    agency_id: int | None = None,
    brand_id: int | None = None,
) -> FinanceAuditLog:
    """Append one audit row (never updated or deleted)."""
    row = FinanceAuditLog(
        actor_id=actor_id,
        agency_id=agency_id,
        brand_id=brand_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason or "",
        before=before,
        after=after,
        ip=(ip or "")[:64] or None,
    )
    db.session.add(row)
    return row


def _payout_state(payout: Payout) -> dict:
    return {"status": str(payout.status), "hold_reason": payout.hold_reason}


def _locked_payout(payout_id: int) -> Payout:
    payout = db.session.scalar(select(Payout).where(Payout.id == payout_id).with_for_update())
    if payout is None:
        raise NotFound(_("No such payout."))
    return payout


def _reason(reason: str | None, field: str = "reason") -> str:
    text = clean_text(reason or "", 2000)
    if not text:
        raise ValidationFailed({field: [_("Give a reason; it is kept in the audit log.")]})
    return text


def retry_failed_payout(
    *, payout_id: int, actor_id: int, reason: str = "", ip: str | None = None
) -> Payout:
    """Retry a failed transfer with its original idempotency key: it can never pay twice.
    A KOL with no account that can receive it leaves the payout waiting for onboarding."""
    require_finance(actor_id)
    payout = _locked_payout(payout_id)
    if payout.status != PayoutStatus.FAILED:
        raise Conflict(_("Only a failed payout can be retried."))
    before = _payout_state(payout)
    release.retry_payout(payout_id=payout.id, actor_id=actor_id)
    record_audit(
        actor_id=actor_id,
        action="payout.retry",
        object_type="payout",
        object_id=payout.id,
        reason=clean_text(reason or "", 2000),
        before=before,
        after=_payout_state(payout),
        ip=ip,
    )
    return payout


def retry_failed_refund(
    *, refund_id: int, actor_id: int, reason: str = "", ip: str | None = None
) -> RefundAttempt:
    """Re-attempt a refund Stripe refused, under a new idempotency key: claimed here, sent by
    the refund job, recorded from Stripe's answer."""
    require_finance(actor_id)
    note = clean_text(reason or "", 2000)
    before = db.session.get(Refund, refund_id)
    if before is None:
        raise NotFound(_("No such refund."))
    before_state = {"status": before.status, "last_error": before.last_error}
    attempt = refunds.retry_refund(refund_id=refund_id, actor_id=actor_id, reason=note)
    record_audit(
        actor_id=actor_id,
        action="refund.retry",
        object_type="refund",
        object_id=refund_id,
        reason=note,
        before=before_state,
        after={"status": "staged", "attempt_id": attempt.id},
        ip=ip,
    )
    return attempt


def hold_payout(*, payout_id: int, actor_id: int, reason: str, ip: str | None = None) -> Payout:
    """Stop a payout before its transfer; the transfer job skips held payouts."""
    require_finance(actor_id)
    text = _reason(reason)
    payout = _locked_payout(payout_id)
    if payout.status not in HOLDABLE:
        raise Conflict(_("Only a payout that is not yet processing or paid can be held."))
    before = _payout_state(payout)
    payout.hold_reason = text
    move(payout, PayoutStatus.ON_HOLD, by=actor_id, reason=text)
    record_audit(
        actor_id=actor_id,
        action="payout.hold",
        object_type="payout",
        object_id=payout.id,
        reason=text,
        before=before,
        after=_payout_state(payout),
        ip=ip,
    )
    return payout


def release_payout_hold(
    *, payout_id: int, actor_id: int, reason: str = "", ip: str | None = None
) -> Payout:
    """Lift a hold: staged again (transfer queued), or waiting if the KOL cannot receive yet."""
    require_finance(actor_id)
    payout = _locked_payout(payout_id)
    if payout.status != PayoutStatus.ON_HOLD:
        raise Conflict(_("This payout is not on hold."))
    before = _payout_state(payout)
    payout.hold_reason = None
    if release.payout_account(payout.kol_id) is not None:
        move(payout, PayoutStatus.STAGED, by=actor_id, reason="hold released")
        stage_job("payments.transfer", payout_id=payout.id)
    else:
        release.wait_for_onboarding(payout, actor_id=actor_id)
    record_audit(
        actor_id=actor_id,
        action="payout.release_hold",
        object_type="payout",
        object_id=payout.id,
        reason=clean_text(reason or "", 2000),
        before=before,
        after=_payout_state(payout),
        ip=ip,
    )
    return payout


def eligible(payout: Payout, action: str) -> bool:
    if action == "retry":
        return payout.status == PayoutStatus.FAILED
    if action == "hold":
        return payout.status in HOLDABLE
    return payout.status == PayoutStatus.ON_HOLD


def bulk_payout_action(
    *, payout_ids: list[int], action: str, actor_id: int, reason: str = "", ip: str | None = None
) -> int:
    """Apply one action to every eligible payout among ``payout_ids``; returns how many."""
    require_finance(actor_id)
    if action not in PAYOUT_ACTIONS:
        raise ValidationFailed({"action": [_("Choose an action.")]})
    if action == "hold":
        reason = _reason(reason)
    payouts = db.session.scalars(
        select(Payout).where(Payout.id.in_(payout_ids)).order_by(Payout.id).with_for_update()
    ).all()
    done = 0
    for payout in payouts:
        if not eligible(payout, action):
            continue
        if action == "retry":
            retry_failed_payout(payout_id=payout.id, actor_id=actor_id, reason=reason, ip=ip)
        elif action == "hold":
            hold_payout(payout_id=payout.id, actor_id=actor_id, reason=reason, ip=ip)
        else:
            release_payout_hold(payout_id=payout.id, actor_id=actor_id, reason=reason, ip=ip)
        done += 1
    return done


def correct_entry(
    *,
    entry_id: int,
    actor_id: int,
    reason: str,
    legs: list[tuple[str, int, int | None]],
    ip: str | None = None,
) -> JournalEntry:
    """Post a correcting entry for ``entry_id``; legs are (account kind, amount, owner id)."""
    require_finance(actor_id)
    text = _reason(reason)
    original = db.session.get(JournalEntry, entry_id)
    if original is None:
        raise NotFound(_("No such journal entry."))
    ledger_legs = []
    for kind, amount, owner in legs:
        if kind not in KINDS:
            raise ValidationFailed({"legs": [_("Unknown account.")]})
        if kind in (HELD, REFUNDS) and not (owner or original.contract_id):
            raise ValidationFailed({"legs": [_("Name the contract for this account.")]})
        if kind == PAYABLE and not owner:
            raise ValidationFailed({"legs": [_("Name the KOL (user id) for this account.")]})
        ledger_legs.append(
            Leg(
                kind,
                amount,
                contract_id=(owner or original.contract_id) if kind in (HELD, REFUNDS) else None,
                user_id=owner if kind == PAYABLE else None,
            )
        )
    try:
        with db.session.begin_nested():
            entry = post_correction(
                corrects_id=entry_id, reason=text, actor_id=actor_id, legs=ledger_legs
            )
    except LedgerError as error:
        raise ValidationFailed({"legs": [_("The ledger refused this correction: %(e)s", e=error)]})
    record_audit(
        actor_id=actor_id,
        action="ledger.correction",
        object_type="journal_entry",
        object_id=entry_id,
        reason=text,
        after={"correction_entry_id": entry.id, "lines": [[k, a, o] for k, a, o in legs]},
        ip=ip,
    )
    return entry


def resolve_difference(
    *,
    item_id: int,
    actor_id: int,
    note: str,
    correction_entry_id: int | None = None,
    ip: str | None = None,
) -> ReconciliationItem:
    """Mark one reconciliation difference resolved, with a note (and the correction, if any)."""
    require_finance(actor_id)
    text = _reason(note, "note")
    item = db.session.scalar(
        select(ReconciliationItem).where(ReconciliationItem.id == item_id).with_for_update()
    )
    if item is None or item.kind not in DIFFERENCES:
        raise NotFound(_("No such difference."))
    if item.resolved_at is not None:
        raise Conflict(_("This difference is already resolved."))
    if correction_entry_id is not None:
        entry = db.session.get(JournalEntry, correction_entry_id)
        if entry is None or entry.kind != "correction":
            raise ValidationFailed({"correction_entry_id": [_("That is not a correcting entry.")]})
    item.resolved_at, item.resolved_by = utcnow(), actor_id
    item.resolution_note, item.correction_entry_id = text, correction_entry_id
    record_audit(
        actor_id=actor_id,
        action="reconciliation.resolve",
        object_type="reconciliation_item",
        object_id=item.id,
        reason=text,
        after={"correction_entry_id": correction_entry_id},
        ip=ip,
    )
    return item


def latest_finished_run(period_id: int) -> ReconciliationRun | None:
    return db.session.scalar(
        select(ReconciliationRun)
        .where(ReconciliationRun.period_id == period_id, ReconciliationRun.status == RunStatus.DONE)
        .order_by(ReconciliationRun.id.desc())
        .limit(1)
    )


def unresolved_count(run_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ReconciliationItem)
        .where(
            ReconciliationItem.run_id == run_id,
            ReconciliationItem.kind.in_(DIFFERENCES),
            ReconciliationItem.resolved_at.is_(None),
        )
    )


def close_period(
    *, period_id: int, actor_id: int, reason: str = "", ip: str | None = None
) -> ReconciliationPeriod:
    """Close a reconciled period; its entries are locked from then on."""
    require_finance(actor_id)
    period = db.session.scalar(
        select(ReconciliationPeriod).where(ReconciliationPeriod.id == period_id).with_for_update()
    )
    if period is None:
        raise NotFound(_("No such period."))
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(_("This period is already closed."))
    if period.active_run_id is not None:
        raise Conflict(_("A reconciliation run is in progress for this period."))
    run = latest_finished_run(period.id)
    if run is None:
        raise Conflict(_("Reconcile the period before closing it."))
    open_differences = unresolved_count(run.id)
    if open_differences:
        raise Conflict(
            _(
                "%(n)d difference(s) are not resolved yet; resolve them before closing.",
                n=open_differences,
            )
        )
    move(period, PeriodStatus.CLOSED, by=actor_id, reason=clean_text(reason or "", 2000) or None)
    period.closed_at, period.closed_by = utcnow(), actor_id
    record_audit(
        actor_id=actor_id,
        action="period.close",
        object_type="reconciliation_period",
        object_id=period.id,
        reason=clean_text(reason or "", 2000),
        before={"status": "open"},
        after={"status": "closed", "run_id": run.id},
        ip=ip,
    )
    return period


def is_closed_at(instant: datetime) -> bool:
    """True when ``instant`` falls inside a closed period (the ledger's period lock)."""
    return (
        db.session.scalar(
            select(ReconciliationPeriod.id)
            .where(
                ReconciliationPeriod.status == PeriodStatus.CLOSED,
                ReconciliationPeriod.starts_at <= instant,
                ReconciliationPeriod.ends_at > instant,
            )
            .limit(1)
        )
        is not None
    )


@audited.connect
def _record_announced_action(_sender, **action) -> None:
    """Admin actions elsewhere (accounts, verification, disputes) land in the same log."""
    from flask import has_request_context, request

    ip = request.remote_addr if has_request_context() else None
    record_audit(ip=ip, **action)
