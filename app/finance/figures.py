"""The finance dashboard's figures: what each one sums, the chosen window of days, every figure
per currency with its daily series, and the contracts behind one figure. Summed from ledger lines
in SQL, in a constant number of queries whatever the volume."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, literal, select

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.models import (
    CASH,
    CHARGEBACK_LOSSES,
    CHARGEBACKS,
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
