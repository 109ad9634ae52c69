"""Read models for the finance pages, every figure summed from ledger lines in SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, and_, func, literal, or_, select

from app.auth.models import User
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.finance.models import (
    DIFFERENCES,
    FinanceAuditLog,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
)
from app.ledger.models import (
    CASH,
    CHARGEBACK_LOSSES,
    CHARGEBACKS,
    CREDIT_NORMAL,
    DISPUTE_FEES,
    HELD,
    PAYABLE,
    REFUNDS,
    REVENUE,
    STRIPE_FEES,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
)
from app.pagination import Page
from app.payments.models import Payout, PayoutStatus, Refund, RefundAttempt

PER_PAGE = 50


def rows_page(stmt: Select, page: int, per_page: int = PER_PAGE) -> Page:
    """Two queries: the count, and the page's rows."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = max(1, min(page, max((total + per_page - 1) // per_page, 1)))
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total)


FROZEN_STATES = (ContractStatus.DISPUTED, ContractStatus.FROZEN)


@dataclass(frozen=True)
class Figure:
    """One dashboard number: which lines it sums, and the sign that makes it positive."""

    account_kind: str
    sign: int
    entry_kind: str | None = None
    in_window: bool = False  # a flow over the chosen period, else a balance now
    frozen_only: bool = False  # only contracts in dispute or frozen by a chargeback


FIGURES: dict[str, Figure] = {
    "held": Figure(HELD, -1),
    "payable": Figure(PAYABLE, -1),
    "refunds_in_flight": Figure(REFUNDS, -1),
    "disputed_frozen": Figure(HELD, -1, frozen_only=True),
    "funded": Figure(HELD, -1, entry_kind="funding", in_window=True),
    "released": Figure(HELD, 1, entry_kind="release", in_window=True),
    "paid_out": Figure(CASH, -1, entry_kind="transfer", in_window=True),
    "refunded": Figure(CASH, -1, entry_kind="refund", in_window=True),
    "revenue": Figure(REVENUE, -1, in_window=True),
    "stripe_fees": Figure(STRIPE_FEES, 1, in_window=True),
    "chargebacks_open": Figure(CHARGEBACKS, 1),
    "dispute_fees": Figure(DISPUTE_FEES, 1, in_window=True),
    "chargeback_losses": Figure(CHARGEBACK_LOSSES, 1, in_window=True),
}
CHART_SERIES = ("funded", "released", "paid_out", "refunded")


def window(date_from: date | None, date_to: date | None) -> tuple[date, date, datetime, datetime]:
    """The chosen days (default the last 30) and their UTC bounds [start, end)."""
    today = datetime.now(UTC).date()
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    date_from = max(date_from, date_to - timedelta(days=365))
    start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC)
    end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=1)
    return date_from, date_to, start, end


def utc_day(column):
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD' text, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


@dataclass
class Dashboard:
    date_from: date
    date_to: date
    figures: dict[str, dict[str, int]]  # currency → figure name → amount
    days: list[date]
    series: dict[str, dict[str, list[int]]]  # currency → series → per-day amounts


def dashboard(date_from: date | None = None, date_to: date | None = None) -> Dashboard:
    """Every figure per currency, and daily series for the chart, in three queries."""
    date_from, date_to, start, end = window(date_from, date_to)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    balances = db.session.execute(
        select(LedgerAccount.kind, LedgerLine.currency, func.sum(LedgerLine.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .group_by(LedgerAccount.kind, LedgerLine.currency)
    ).all()
    for kind, currency, total in balances:
        for name, figure in FIGURES.items():
            if not figure.in_window and not figure.frozen_only and figure.account_kind == kind:
                figures[currency][name] = figure.sign * int(total)
    frozen = db.session.execute(
        select(LedgerLine.currency, func.sum(LedgerLine.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .join(Contract, Contract.id == LedgerAccount.contract_id)
        .where(LedgerAccount.kind == HELD, Contract.status.in_(FROZEN_STATES))
        .group_by(LedgerLine.currency)
    ).all()
    for currency, total in frozen:
        figures[currency]["disputed_frozen"] = -int(total)
    day = utc_day(JournalEntry.created_at)
    flows = db.session.execute(
        select(
            day,
            JournalEntry.kind,
            LedgerAccount.kind,
            LedgerLine.currency,
            func.sum(LedgerLine.amount),
        )
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(JournalEntry.created_at >= start, JournalEntry.created_at < end)
        .group_by(day, JournalEntry.kind, LedgerAccount.kind, LedgerLine.currency)
    ).all()
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    index = {d.isoformat(): i for i, d in enumerate(days)}
    series: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {name: [0] * len(days) for name in (*CHART_SERIES, "held")}
    )
    held_flow: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day_text, entry_kind, account_kind, currency, total in flows:
        total = int(total)
        for name, figure in FIGURES.items():
            if (
                figure.in_window
                and figure.account_kind == account_kind
                and figure.entry_kind in (None, entry_kind)
            ):
                figures[currency][name] += figure.sign * total
                if name in CHART_SERIES and day_text in index:
                    series[currency][name][index[day_text]] += figure.sign * total
        if account_kind == HELD and day_text in index:
            held_flow[currency][index[day_text]] += -total
    # Held at the end of each day: today's balance minus what moved after that day.
    for currency, values in figures.items():
        if currency not in series and not any(values.values()):
            continue
        running = values["held"] - _held_after(currency, end)
        daily = held_flow[currency]
        held = [0] * len(days)
        for i in range(len(days) - 1, -1, -1):
            held[i] = running
            running -= daily[i]
        series[currency]["held"] = held
    return Dashboard(date_from, date_to, dict(figures), days, dict(series))


def _held_after(currency: str, end: datetime) -> int:
    """Held money that moved after the window (only when the window ends before today)."""
    if end > datetime.now(UTC):
        return 0
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount), 0))
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(
            LedgerAccount.kind == HELD,
            LedgerLine.currency == currency,
            JournalEntry.created_at >= end,
        )
    )
    return -int(total)


def figure_contracts(name: str, currency: str, date_from: date | None, date_to: date | None):
    """The contracts behind one dashboard figure, with each one's share of it."""
    figure = FIGURES[name]
    _f, _t, start, end = window(date_from, date_to)
    contract_id = func.coalesce(LedgerAccount.contract_id, JournalEntry.contract_id)
    amount = literal(figure.sign) * func.sum(LedgerLine.amount)
    stmt = (
        select(contract_id.label("contract_id"), amount.label("amount"))
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerAccount.kind == figure.account_kind, LedgerLine.currency == currency)
        .group_by(contract_id)
        .having(func.sum(LedgerLine.amount) != 0)
        .order_by(amount.desc())
        .limit(500)
    )
    if figure.entry_kind:
        stmt = stmt.where(JournalEntry.kind == figure.entry_kind)
    if figure.in_window:
        stmt = stmt.where(JournalEntry.created_at >= start, JournalEntry.created_at < end)
    if figure.frozen_only:
        stmt = stmt.join(Contract, Contract.id == LedgerAccount.contract_id).where(
            Contract.status.in_(FROZEN_STATES)
        )
    rows = db.session.execute(stmt).all()
    ids = [r.contract_id for r in rows if r.contract_id is not None]
    contracts = {c.id: c for c in db.session.scalars(select(Contract).where(Contract.id.in_(ids)))}
    return [(contracts.get(r.contract_id), r.contract_id, int(r.amount)) for r in rows]


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


def entries_page(filters: EntryFilters, page: int = 1):
    """A page of entries; their lines and accounts come in one more query (selectin/joined)."""
    return db.paginate(entries_statement(filters), page=page, per_page=PER_PAGE, error_out=False)


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
