"""Finance's own records: reconciliation periods, runs and their items, and the audit log.

The ledger itself is never edited here: corrections are new journal entries."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db
from app.status import known

# Reconciliation item kinds. Everything but MATCHED and NOT_BOOKED needs a resolution.
MATCHED = "matched"
MISSING_IN_LEDGER = "missing_in_ledger"  # in Stripe, not in the ledger
MISSING_IN_STRIPE = "missing_in_stripe"  # in the ledger, not in Stripe
AMOUNT_MISMATCH = "amount_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"
FEE_UNBOOKED = "fee_unbooked"  # Stripe took a fee the ledger has not booked yet
NOT_BOOKED = "not_booked"  # Stripe movements the ledger does not model (bank payouts)
DIFFERENCES = (
    MISSING_IN_LEDGER,
    MISSING_IN_STRIPE,
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    FEE_UNBOOKED,
)
ITEM_KINDS = (MATCHED, NOT_BOOKED, *DIFFERENCES)


class PeriodStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # every difference resolved; its ledger entries are locked


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # an error, or no progress for STALE_RUN (its worker died)


class ReconciliationPeriod(db.Model):
    """A range of whole UTC days, reconciled by runs and closed once every difference is
    resolved. ``active_run_id`` is claimed by compare-and-set: one run at a time per period."""

    __tablename__ = "reconciliation_periods"
    STATUS_ENTITY = "reconciliation_period"
    TRANSITIONS = {PeriodStatus.OPEN: {PeriodStatus.CLOSED}}  # a closed period never reopens
    __table_args__ = (
        UniqueConstraint("starts_at", "ends_at", name="uq_reconciliation_periods_range"),
        Index("ix_reconciliation_periods_status", "status", "starts_at"),
        known(PeriodStatus),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(TZDateTime())  # inclusive, 00:00 UTC
    ends_at: Mapped[datetime] = mapped_column(TZDateTime())  # exclusive, 00:00 UTC
    status: Mapped[str] = mapped_column(String(16), default=PeriodStatus.OPEN.value)
    active_run_id: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    @property
    def first_day(self) -> date:
        return self.starts_at.date()

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(days=1)).date()


class ReconciliationRun(db.Model):
    """One pass over Stripe's balance transactions for a period, with its progress."""

    __tablename__ = "reconciliation_runs"
    STATUS_ENTITY = "reconciliation_run"
    TRANSITIONS = {
        RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.FAILED},
        # A re-run of the job (a retry, a crash) starts the same run over.
        RunStatus.RUNNING: {RunStatus.RUNNING, RunStatus.DONE, RunStatus.FAILED},
        RunStatus.FAILED: {RunStatus.RUNNING},
    }
    __table_args__ = (known(RunStatus),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_periods.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.QUEUED.value)
    # Balance transactions: ``total`` listed, ``processed`` so far, ``matched_count`` of them
    # matched (≤ processed). Their fees are counted apart, in ``fee_matched_count``.
    processed: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    fee_matched_count: Mapped[int] = mapped_column(Integer, default=0)
    difference_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    period: Mapped[ReconciliationPeriod] = relationship(lazy="joined")


class ReconciliationItem(db.Model):
    """One Stripe balance transaction (or ledger entry) and how it compared."""

    __tablename__ = "reconciliation_items"
    __table_args__ = (Index("ix_reconciliation_items_run", "run_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"))
    kind: Mapped[str] = mapped_column(String(24))
    txn_type: Mapped[str] = mapped_column(String(32))  # charge, refund, transfer, stripe_fee…
    stripe_object_id: Mapped[str | None] = mapped_column(String(80), index=True)
    balance_transaction_id: Mapped[str | None] = mapped_column(String(80))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stripe_amount: Mapped[int | None] = mapped_column(BigInteger)
    stripe_currency: Mapped[str | None] = mapped_column(String(3))
    ledger_amount: Mapped[int | None] = mapped_column(BigInteger)
    ledger_currency: Mapped[str | None] = mapped_column(String(3))
    occurred_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    correction_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))


class FinanceAuditLog(db.Model):
    """Append-only: who did what to which object, when, from where, why, before and after."""

    __tablename__ = "finance_audit_log"
    __table_args__ = (
        Index("ix_finance_audit_log_object", "object_type", "object_id"),
        Index("ix_finance_audit_log_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A brand's team member or an agency's: the agency and the brand account acted for.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
