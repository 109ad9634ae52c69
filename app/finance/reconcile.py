"""Reconciliation: Stripe's balance transactions for a period matched to the ledger.

Each Stripe transaction is matched by its source object id (charge ↔ funding entry, refund ↔
refund entry, transfer ↔ transfer entry) and amount (the entry's Stripe-cash line, corrections
included), and each charge's fee by the balance transaction id (↔ stripe_fee entry). Ledger
entries with a Stripe object id dated in the period that Stripe did not list are reported too.
This module runs a period (a job, in batches, with progress); matching.py does the matching.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.context import in_app_context
from app.db_types import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.finance.matching import FEE_ITEM, PER_TRANSACTION_TYPES, compare_batch, ledger_for
from app.finance.models import (
    DIFFERENCES,
    MATCHED,
    MISSING_IN_STRIPE,
    PeriodStatus,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
    RunStatus,
)
from app.finance.services import record_audit, require_finance
from app.jobs import job, run_inline_jobs, stage_job
from app.ledger.models import (
    JournalEntry,
)
from app.payments import gateway
from app.status import move

BATCH = 200
SLACK = timedelta(hours=1)  # Stripe and ledger clocks differ by seconds around midnight
STALE_RUN = timedelta(minutes=30)  # a run without progress this long is presumed dead
MAX_DAYS = 366


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[date_from 00:00 UTC, day after date_to 00:00 UTC)."""
    if date_to < date_from:
        raise ValidationFailed({"date_to": [_("The end is before the start.")]})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationFailed({"date_to": [_("Reconcile at most a year at a time.")]})
    if date_from > utcnow().date():
        raise ValidationFailed({"date_from": [_("This period has not started yet.")]})
    start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC)
    end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=1)
    return start, end


def _period(starts_at: datetime, ends_at: datetime) -> ReconciliationPeriod:
    stmt = select(ReconciliationPeriod).where(
        ReconciliationPeriod.starts_at == starts_at, ReconciliationPeriod.ends_at == ends_at
    )
    period = db.session.scalar(stmt)
    if period is None:
        try:
            with db.session.begin_nested():
                period = ReconciliationPeriod(starts_at=starts_at, ends_at=ends_at)
                db.session.add(period)
        except IntegrityError:  # created by a concurrent start
            period = db.session.scalar(stmt)
    return period


def _free_stale_run(period: ReconciliationPeriod) -> None:
    """A run whose worker died leaves the period claimed; free it after STALE_RUN."""
    if period.active_run_id is None:
        return
    run = db.session.get(ReconciliationRun, period.active_run_id)
    finished = (RunStatus.DONE, RunStatus.FAILED)
    if run is None or run.status in finished or run.updated_at < utcnow() - STALE_RUN:
        if run is not None and run.status not in finished:
            run.error = "no progress; presumed stopped"
            move(run, RunStatus.FAILED, by=None, reason=run.error)
        db.session.execute(
            update(ReconciliationPeriod)
            .where(
                ReconciliationPeriod.id == period.id,
                ReconciliationPeriod.active_run_id == period.active_run_id,
            )
            .values(active_run_id=None)
        )


def start_reconciliation(
    *, date_from: date, date_to: date, actor_id: int | None, ip: str | None = None
) -> ReconciliationRun:
    """Queue a run for the period; refused while another run for it is in progress."""
    if actor_id is not None:
        require_finance(actor_id)
    starts_at, ends_at = period_bounds(date_from, date_to)
    period = _period(starts_at, ends_at)
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(_("This period is closed."))
    _free_stale_run(period)
    run = ReconciliationRun(period_id=period.id, started_by=actor_id)
    db.session.add(run)
    db.session.flush()
    # Compare-and-set on the period row: of two concurrent starts, exactly one claims it (on
    # PostgreSQL the second waits for the first's commit, then sees the claim and updates 0).
    claimed = db.session.execute(
        update(ReconciliationPeriod)
        .where(ReconciliationPeriod.id == period.id, ReconciliationPeriod.active_run_id.is_(None))
        .values(active_run_id=run.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise Conflict(_("A reconciliation run for this period is already in progress."))
    stage_job("finance.reconcile", run_id=run.id)
    record_audit(
        actor_id=actor_id,
        action="reconciliation.start",
        object_type="reconciliation_run",
        object_id=run.id,
        after={"from": date_from.isoformat(), "to": date_to.isoformat()},
        ip=ip,
    )
    return run


def _missing_in_stripe(run_id: int, period: ReconciliationPeriod, listed: set[str]) -> int:
    """Ledger entries dated in the period whose Stripe object Stripe did not list."""
    rows = db.session.execute(
        select(
            JournalEntry.id,
            JournalEntry.kind,
            JournalEntry.stripe_object_id,
            JournalEntry.contract_id,
            JournalEntry.created_at,
        )
        .where(
            JournalEntry.stripe_object_id.is_not(None),
            JournalEntry.created_at >= period.starts_at,
            JournalEntry.created_at < period.ends_at,
        )
        .order_by(JournalEntry.id)
        .execution_options(yield_per=1000)
    )
    missing = [row for row in rows if row.stripe_object_id not in listed]
    sums = ledger_for([row.stripe_object_id for row in missing])
    for row in missing:
        side = sums.get(row.stripe_object_id)
        booked = (side.fees if row.kind == "stripe_fee" else side.cash) if side else {}
        currency, amount = next(iter(booked.items()), (None, None))
        db.session.add(
            ReconciliationItem(
                run_id=run_id,
                kind=MISSING_IN_STRIPE,
                txn_type=row.kind,
                stripe_object_id=row.stripe_object_id,
                entry_id=row.id,
                contract_id=row.contract_id,
                currency=currency or "",
                ledger_amount=amount,
                ledger_currency=currency,
                occurred_at=row.created_at,
            )
        )
    return len(missing)


def _progress(run: ReconciliationRun, **values) -> None:
    for name, value in values.items():
        setattr(run, name, value)
    run.updated_at = utcnow()
    db.session.commit()  # progress is visible to the page while the run goes on


@job("finance.reconcile")
def run_reconciliation(run_id: int) -> None:
    """List the period's balance transactions, match them, store the result. Re-runnable:
    a re-run starts the same run over from scratch."""
    run = db.session.get(ReconciliationRun, run_id)
    if run is None or run.status == RunStatus.DONE:
        return
    period = run.period
    db.session.execute(
        ReconciliationItem.__table__.delete().where(ReconciliationItem.run_id == run.id)
    )
    move(run, RunStatus.RUNNING, by=None)
    _progress(run, processed=0, total=0, error=None)
    try:
        _reconcile(run, period)
    except Exception as error:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, run_id)
        run.error = f"{type(error).__name__}: {error}"[:2000]
        move(run, RunStatus.FAILED, by=None, reason=run.error)
        _release_period(run)
        db.session.commit()
        raise


def _reconcile(run: ReconciliationRun, period: ReconciliationPeriod) -> None:
    listed_txns = list(
        gateway.list_balance_transactions(
            created_gte=int((period.starts_at - SLACK).timestamp()),
            created_lt=int((period.ends_at + SLACK).timestamp()),
        )
    )
    start, end = period.starts_at.timestamp(), period.ends_at.timestamp()
    txns = [t for t in listed_txns if start <= t["created"] < end]
    txns.sort(key=lambda t: (t["created"], t["id"]))
    listed = {t["id"] for t in listed_txns} | {
        t["source"] for t in listed_txns if isinstance(t.get("source"), str)
    }
    _progress(run, total=len(txns))
    # A balance transaction gives one item, and a second one for its fee: matched fees are
    # counted apart so that "matched" compares with "processed" (fee differences still count).
    counts: dict[str, int] = defaultdict(int)
    fees_matched = 0
    for begin in range(0, len(txns), BATCH):
        batch = txns[begin : begin + BATCH]
        ids = [t["source"] for t in batch if isinstance(t.get("source"), str)]
        ids += [t["id"] for t in batch if t.get("fee") or t["type"] in PER_TRANSACTION_TYPES]
        for values in compare_batch(batch, ledger_for(ids)):
            if values["txn_type"] == FEE_ITEM and values["kind"] == MATCHED:
                fees_matched += 1
            else:
                counts[values["kind"]] += 1
            db.session.add(ReconciliationItem(run_id=run.id, **values))
        _progress(run, processed=begin + len(batch))
    counts[MISSING_IN_STRIPE] += _missing_in_stripe(run.id, period, listed)
    run.matched_count, run.fee_matched_count = counts[MATCHED], fees_matched
    run.difference_count = sum(counts[k] for k in DIFFERENCES)
    move(run, RunStatus.DONE, by=None)
    run.finished_at = utcnow()
    _release_period(run)
    db.session.flush()


def _release_period(run: ReconciliationRun) -> None:
    db.session.execute(
        update(ReconciliationPeriod)
        .where(
            ReconciliationPeriod.id == run.period_id,
            ReconciliationPeriod.active_run_id == run.id,
        )
        .values(active_run_id=None)
        .execution_options(synchronize_session=False)
    )


def start_yesterday() -> ReconciliationRun | None:
    """Queue yesterday's run (UTC); None when one is already in progress or it is closed."""
    yesterday = utcnow().date() - timedelta(days=1)
    try:
        with db.session.begin_nested():
            return start_reconciliation(date_from=yesterday, date_to=yesterday, actor_id=None)
    except Conflict:
        return None


@in_app_context
def reconcile_yesterday() -> int | None:
    """The daily scheduled run (registered in app/cron.py): start it, commit, run inline or
    let the RQ worker pick it up. Returns the run id."""
    run = start_yesterday()
    db.session.commit()
    run_inline_jobs()
    return run.id if run else None
