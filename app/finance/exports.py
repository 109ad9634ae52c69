"""CSV exports, streamed row by row (never the whole table in memory), with stable columns,
amounts in minor units and in decimal, ISO-8601 UTC timestamps and formula-injection escaping
(the writing and escaping: app/csvsafe.py, shared with the other features' CSV files)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, func, select

from app.contracts.models import Contract
from app.csvsafe import decimal_amount
from app.extensions import db
from app.finance.models import ReconciliationItem
from app.ledger.models import REVENUE, STRIPE_FEES, JournalEntry, LedgerAccount, LedgerLine

CHUNK = 1000


LEDGER_HEADER = [
    "entry_id",
    "created_at",
    "entry_kind",
    "entry_key",
    "contract_id",
    "stripe_object_id",
    "corrects_id",
    "actor_id",
    "memo",
    "line_id",
    "account_code",
    "account_kind",
    "currency",
    "amount_minor",
    "amount",
]


def ledger_rows(entries: Select) -> Iterator[list]:
    """One row per ledger line of the filtered entries, fetched in chunks."""
    ids = entries.with_only_columns(JournalEntry.id).order_by(None).subquery()
    stmt = (
        select(JournalEntry, LedgerLine, LedgerAccount.code, LedgerAccount.kind)
        .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(JournalEntry.id.in_(select(ids.c.id)))
        .order_by(JournalEntry.id, LedgerLine.id)
        .execution_options(yield_per=CHUNK)
    )
    for entry, line, code, kind in db.session.execute(stmt):
        yield [
            entry.id,
            entry.created_at,
            entry.kind,
            entry.key,
            entry.contract_id,
            entry.stripe_object_id,
            entry.corrects_id,
            entry.actor_id,
            entry.memo,
            line.id,
            code,
            kind,
            line.currency,
            line.amount,
            decimal_amount(line.amount, line.currency),
        ]


PAYOUT_HEADER = [
    "payout_id",
    "created_at",
    "status",
    "stage",
    "contract_id",
    "kol_id",
    "kol_email",
    "currency",
    "amount_minor",
    "amount",
    "amount_reversed_minor",
    "transfer_id",
    "attempts",
    "hold_reason",
    "last_error",
    "paid_at",
]


def payout_rows(stmt: Select) -> Iterator[list]:
    for payout, email in db.session.execute(stmt.execution_options(yield_per=CHUNK)):
        yield [
            payout.id,
            payout.created_at,
            str(payout.status),
            payout.stage,
            payout.contract_id,
            payout.kol_id,
            email,
            payout.currency,
            payout.amount,
            decimal_amount(payout.amount, payout.currency),
            payout.amount_reversed,
            payout.transfer_id,
            payout.attempts,
            payout.hold_reason,
            payout.last_error,
            payout.paid_at,
        ]


RECONCILIATION_HEADER = [
    "item_id",
    "result",
    "type",
    "stripe_object_id",
    "balance_transaction_id",
    "entry_id",
    "contract_id",
    "occurred_at",
    "stripe_currency",
    "stripe_amount_minor",
    "stripe_amount",
    "ledger_currency",
    "ledger_amount_minor",
    "ledger_amount",
    "resolved_at",
    "resolved_by",
    "resolution_note",
    "correction_entry_id",
]


def reconciliation_rows(run_id: int) -> Iterator[list]:
    stmt = (
        select(ReconciliationItem)
        .where(ReconciliationItem.run_id == run_id)
        .order_by(ReconciliationItem.id)
        .execution_options(yield_per=CHUNK)
    )
    for item in db.session.scalars(stmt):
        yield [
            item.id,
            item.kind,
            item.txn_type,
            item.stripe_object_id,
            item.balance_transaction_id,
            item.entry_id,
            item.contract_id,
            item.occurred_at,
            item.stripe_currency,
            item.stripe_amount,
            decimal_amount(item.stripe_amount, item.stripe_currency),
            item.ledger_currency,
            item.ledger_amount,
            decimal_amount(item.ledger_amount, item.ledger_currency),
            item.resolved_at,
            item.resolved_by,
            item.resolution_note,
            item.correction_entry_id,
        ]


PNL_HEADER = [
    "campaign_id",
    "currency",
    "fee_revenue_minor",
    "fee_revenue",
    "stripe_fees_minor",
    "stripe_fees",
    "profit_minor",
    "profit",
]


def campaign_pnl_rows(start: datetime, end: datetime) -> Iterator[list]:
    """Per campaign and currency: our fee revenue minus Stripe's fees, booked in the window."""
    stmt = (
        select(
            Contract.campaign_id,
            LedgerLine.currency,
            LedgerAccount.kind,
            func.sum(LedgerLine.amount),
        )
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .join(Contract, Contract.id == JournalEntry.contract_id)
        .where(
            LedgerAccount.kind.in_((REVENUE, STRIPE_FEES)),
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
        )
        .group_by(Contract.campaign_id, LedgerLine.currency, LedgerAccount.kind)
        .order_by(Contract.campaign_id, LedgerLine.currency)
    )
    totals: dict[tuple[int, str], dict[str, int]] = {}
    for campaign_id, currency, kind, total in db.session.execute(stmt):
        totals.setdefault((campaign_id, currency), {REVENUE: 0, STRIPE_FEES: 0})[kind] = int(total)
    for (campaign_id, currency), sums in totals.items():
        revenue, fees = -sums[REVENUE], sums[STRIPE_FEES]
        yield [
            campaign_id,
            currency,
            revenue,
            decimal_amount(revenue, currency),
            fees,
            decimal_amount(fees, currency),
            revenue - fees,
            decimal_amount(revenue - fees, currency),
        ]


AUDIT_HEADER = [
    "audit_id",
    "created_at",
    "actor_id",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "reason",
    "before",
    "after",
    "ip",
    "agency_id",  # an agency member's action: the agency, and the brand acted for
    "brand_id",
]


def audit_rows(stmt: Select) -> Iterator[list]:
    import json

    for row, email in db.session.execute(stmt.execution_options(yield_per=CHUNK)):
        yield [
            row.id,
            row.created_at,
            row.actor_id,
            email,
            row.action,
            row.object_type,
            row.object_id,
            row.reason,
            json.dumps(row.before, sort_keys=True) if row.before is not None else "",
            json.dumps(row.after, sort_keys=True) if row.after is not None else "",
            row.ip,
            row.agency_id,
            row.brand_id,
        ]
