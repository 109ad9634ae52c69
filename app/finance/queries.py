"""Read models for the finance pages: the ledger explorer, the payout queue, failed refunds,
reconciliation runs and the audit log. The dashboard's figures are in figures.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select

from app.auth.models import User
from app.contracts.models import Contract
from app.extensions import db
from app.finance.models import (
    DIFFERENCES,
    FinanceAuditLog,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
)
from app.ledger.models import (
    CREDIT_NORMAL,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
)
from app.pagination import Page, list_page
from app.payments.models import Payout, PayoutStatus, Refund, RefundAttempt

PER_PAGE = 50


def rows_page(stmt: Select, page: int, per_page: int = PER_PAGE) -> Page:
    """Two queries: the count, and the page's rows."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = max(1, min(page, max((total + per_page - 1) // per_page, 1)))
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total)


# -- ledger explorer ------------------------------------------------------------------------


def accounts_page(*, kind: str = "", currency: str = "", code: str = "", page: int = 1):
    """Accounts with their balances (normal sign), one query per page."""
    total = func.coalesce(func.sum(LedgerLine.amount), 0).label("total")
    stmt = (
        select(LedgerAccount, total)
        .outerjoin(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.id)
        .order_by(LedgerAccount.kind, LedgerAccount.currency, LedgerAccount.code)
    )
    if kind:
        stmt = stmt.where(LedgerAccount.kind == kind)
    if currency:
        stmt = stmt.where(LedgerAccount.currency == currency)
    if code:
        stmt = stmt.where(LedgerAccount.code.contains(code, autoescape=True))
    return rows_page(stmt, page)


def normal_balance(kind: str, total: int) -> int:
    return -int(total) if kind in CREDIT_NORMAL else int(total)


@dataclass
class EntryFilters:
    account: str = ""  # account code (exact) or kind
    entry_kind: str = ""
    contract_id: int | None = None
    campaign_id: int | None = None
    kol_id: int | None = None
    brand_id: int | None = None
    stripe_object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def args(self) -> dict[str, str]:
        """The filters as query-string values (for pagination and export links)."""
        values = {
            "account": self.account,
            "kind": self.entry_kind,
            "contract": self.contract_id,
            "campaign": self.campaign_id,
            "kol": self.kol_id,
            "brand": self.brand_id,
            "stripe": self.stripe_object_id,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def entries_statement(filters: EntryFilters) -> Select:
    """Journal entries matching the filters, newest first."""
    stmt = select(JournalEntry).order_by(JournalEntry.id.desc())
    if filters.account:
        in_account = (
            select(LedgerLine.entry_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
            .where(
                or_(LedgerAccount.code == filters.account, LedgerAccount.kind == filters.account)
            )
        )
        stmt = stmt.where(JournalEntry.id.in_(in_account))
    if filters.entry_kind:
        stmt = stmt.where(JournalEntry.kind == filters.entry_kind)
    if filters.contract_id:
        stmt = stmt.where(JournalEntry.contract_id == filters.contract_id)
    party = [
        (filters.campaign_id, Contract.campaign_id),
        (filters.kol_id, Contract.kol_id),
        (filters.brand_id, Contract.brand_id),
    ]
    conditions = [column == value for value, column in party if value]
    if conditions:
        stmt = stmt.join(Contract, Contract.id == JournalEntry.contract_id).where(and_(*conditions))
    if filters.stripe_object_id:
        stmt = stmt.where(JournalEntry.stripe_object_id == filters.stripe_object_id)
    if filters.date_from:
        start = datetime.combine(filters.date_from, datetime.min.time(), UTC)
        stmt = stmt.where(JournalEntry.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to, datetime.min.time(), UTC) + timedelta(days=1)
        stmt = stmt.where(JournalEntry.created_at < end)
    return stmt


def entries_page(filters: EntryFilters, page: int = 1, cursor: str | None = None):
    """A page of entries, by cursor (the journal only grows: no OFFSET, no COUNT); their
    lines and accounts come in one more query (selectin/joined)."""
    stmt = entries_statement(filters)
    return list_page(stmt, (JournalEntry.id,), page=page, per_page=PER_PAGE, cursor=cursor)


def contract_entries(contract_id: int) -> list[JournalEntry]:
    stmt = (
        select(JournalEntry)
        .where(
            or_(
                JournalEntry.contract_id == contract_id,
                JournalEntry.id.in_(
                    select(LedgerLine.entry_id)
                    .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                    .where(LedgerAccount.contract_id == contract_id)
                ),
            )
        )
        .order_by(JournalEntry.id)
    )
    return list(db.session.scalars(stmt))


def corrections_of(entry_id: int) -> list[JournalEntry]:
    return list(
        db.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.corrects_id == entry_id)
            .order_by(JournalEntry.id)
        )
    )


# -- payouts --------------------------------------------------------------------------------


@dataclass
class PayoutFilters:
    status: str = ""
    currency: str = ""
    older_than_days: int | None = None

    def args(self) -> dict[str, str]:
        values = {"status": self.status, "currency": self.currency, "age": self.older_than_days}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def payouts_statement(filters: PayoutFilters) -> Select:
    stmt = (
        select(Payout, User.email)
        .join(User, User.id == Payout.kol_id)
        .order_by(Payout.created_at, Payout.id)
    )
    if filters.status:
        stmt = stmt.where(Payout.status == PayoutStatus(filters.status))
    if filters.currency:
        stmt = stmt.where(Payout.currency == filters.currency)
    if filters.older_than_days:
        cutoff = datetime.now(UTC) - timedelta(days=filters.older_than_days)
        stmt = stmt.where(Payout.created_at < cutoff)
    return stmt


def payouts_page(filters: PayoutFilters, page: int = 1):
    return rows_page(payouts_statement(filters), page)


def payout_totals(payout_ids: list[int]) -> list[tuple[Payout, str]]:
    return list(
        db.session.execute(
            select(Payout, User.email)
            .join(User, User.id == Payout.kol_id)
            .where(Payout.id.in_(payout_ids))
            .order_by(Payout.id)
        ).all()
    )


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Payout.status, func.count()).group_by(Payout.status)).all()
    return {str(status): count for status, count in rows}


def failed_refunds_statement() -> Select:
    """Refunds Stripe refused, the latest failure first, with the brand and retry count."""
    retries = (
        select(func.count())
        .select_from(RefundAttempt)
        .where(RefundAttempt.refund_id == Refund.id)
        .scalar_subquery()
    )
    return (
        select(Refund, User.email, Contract.brand_id, retries.label("retries"))
        .join(Contract, Contract.id == Refund.contract_id)
        .join(User, User.id == Contract.brand_id)
        .where(Refund.status == "failed")
        .order_by(Refund.failed_at.desc().nulls_last(), Refund.id.desc())
    )


def refunds_in_progress(limit: int = 50) -> list[Refund]:
    """Refunds Stripe accepted and has not finished (pending), oldest first."""
    return list(
        db.session.scalars(
            select(Refund).where(Refund.status == "pending").order_by(Refund.id).limit(limit)
        )
    )


def failed_refunds_page(page: int = 1, per_page: int = PER_PAGE) -> Page:
    return rows_page(failed_refunds_statement(), page, per_page)


# -- reconciliation and audit ---------------------------------------------------------------


def recent_runs(limit: int = 20) -> list[ReconciliationRun]:
    return list(
        db.session.scalars(
            select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(limit)
        )
    )


def periods(limit: int = 30) -> list[ReconciliationPeriod]:
    return list(
        db.session.scalars(
            select(ReconciliationPeriod)
            .order_by(ReconciliationPeriod.starts_at.desc())
            .limit(limit)
        )
    )


def run_items(run_id: int, *, kind: str = "", page: int = 1):
    stmt = (
        select(ReconciliationItem)
        .where(ReconciliationItem.run_id == run_id)
        .order_by(ReconciliationItem.id)
    )
    if kind == "differences":
        stmt = stmt.where(ReconciliationItem.kind.in_(DIFFERENCES))
    elif kind:
        stmt = stmt.where(ReconciliationItem.kind == kind)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def item_counts(run_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(ReconciliationItem.kind, func.count())
        .where(ReconciliationItem.run_id == run_id)
        .group_by(ReconciliationItem.kind)
    ).all()
    return dict(rows)


def audit_statement(
    *, action: str = "", actor_id: int | None = None, object_type: str = ""
) -> Select:
    stmt = (
        select(FinanceAuditLog, User.email)
        .outerjoin(User, User.id == FinanceAuditLog.actor_id)
        .order_by(FinanceAuditLog.id.desc())
    )
    if action:
        stmt = stmt.where(FinanceAuditLog.action == action)
    if actor_id:
        stmt = stmt.where(FinanceAuditLog.actor_id == actor_id)
    if object_type:
        stmt = stmt.where(FinanceAuditLog.object_type == object_type)
    return stmt


def audit_page(page: int = 1, **filters):
    return rows_page(audit_statement(**filters), page)
