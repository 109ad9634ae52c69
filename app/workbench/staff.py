"""The platform staff's workbenches. Finance: held / payable / in flight / disputed per
currency, failed payouts and refunds, the last reconciliation's open differences. Admin: each
queue with its count and the longest-waiting items. Reads app/finance's and app/ledger's
figures; a constant number of statements whatever the volume."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.auth.models import Role
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.finance.figures import FROZEN_STATES
from app.finance.models import DIFFERENCES, ReconciliationItem, ReconciliationRun
from app.finance.queries import failed_refunds_statement
from app.ledger.models import HELD, PAYABLE, REFUNDS, LedgerAccount, LedgerLine
from app.ledger.services import totals_by_kind
from app.payments.models import Payout, PayoutStatus
from app.profiles.audience import kols_to_review
from app.profiles.models import KolProfile, Verification, VerificationRequest
from app.workbench.counts import counts_for

SHOWN = 5
IN_FLIGHT = (PayoutStatus.STAGED, PayoutStatus.PROCESSING)
BALANCES = {"held": HELD, "payable": PAYABLE, "refunds_in_flight": REFUNDS}
FIGURES = ("held", "payable", "payouts_in_flight", "refunds_in_flight", "disputed_frozen")


@dataclass
class FinanceDesk:
    figures: dict[str, dict[str, int]] = field(default_factory=dict)  # currency → name → amount
    failed_payouts: list = field(default_factory=list)
    failed_payouts_total: int = 0
    failed_refunds: list = field(default_factory=list)
    failed_refunds_total: int = 0
    run: ReconciliationRun | None = None
    differences: list[ReconciliationItem] = field(default_factory=list)
    open_differences: int = 0

    def nav_counts(self) -> dict[str, int]:
        return {
            "finance.payouts": self.failed_payouts_total,
            "finance.reconciliation": self.open_differences,
        }


def _figures() -> dict[str, dict[str, int]]:
    """Balances per currency (two ledger reads) and payouts in flight (one grouped read)."""
    figures: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    balances = totals_by_kind()
    for name, kind in BALANCES.items():
        for (account_kind, currency), total in balances.items():
            if account_kind == kind and total:
                figures[currency][name] = total
    frozen = db.session.execute(
        select(LedgerLine.currency, func.sum(LedgerLine.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .join(Contract, Contract.id == LedgerAccount.contract_id)
        .where(LedgerAccount.kind == HELD, Contract.status.in_(FROZEN_STATES))
        .group_by(LedgerLine.currency)
    ).all()
    for currency, total in frozen:
        if total:
            figures[currency]["disputed_frozen"] = -int(total)
    flying = db.session.execute(
        select(Payout.currency, func.sum(Payout.amount))
        .where(Payout.status.in_(IN_FLIGHT))
        .group_by(Payout.currency)
    ).all()
    for currency, total in flying:
        figures[currency]["payouts_in_flight"] = int(total or 0)
    return dict(sorted(figures.items()))


def _failed_payouts() -> tuple[list, int]:
    rows = db.session.execute(
        select(Payout, KolProfile.display_name, func.count().over().label("total"))
        .outerjoin(KolProfile, KolProfile.user_id == Payout.kol_id)
        .where(Payout.status == PayoutStatus.FAILED)
        .order_by(Payout.created_at, Payout.id)
        .limit(SHOWN)
    ).all()
    return rows, (rows[0].total if rows else 0)


def _failed_refunds() -> tuple[list, int]:
    stmt = failed_refunds_statement().add_columns(func.count().over().label("total"))
    rows = db.session.execute(stmt.limit(SHOWN)).all()
    return rows, (rows[0].total if rows else 0)


def _reconciliation(desk: FinanceDesk) -> None:
    desk.run = db.session.scalars(
        select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(1)
    ).first()
    if desk.run is None:
        return
    rows = db.session.execute(
        select(ReconciliationItem, func.count().over().label("total"))
        .where(
            ReconciliationItem.run_id == desk.run.id,
            ReconciliationItem.kind.in_(DIFFERENCES),
            ReconciliationItem.resolved_at.is_(None),
        )
        .order_by(ReconciliationItem.id)
        .limit(SHOWN)
    ).all()
    desk.differences = [item for item, _total in rows]
    desk.open_differences = rows[0].total if rows else 0


def finance_desk() -> FinanceDesk:
    """Everything on the finance workbench."""
    desk = FinanceDesk(figures=_figures())
    desk.failed_payouts, desk.failed_payouts_total = _failed_payouts()
    desk.failed_refunds, desk.failed_refunds_total = _failed_refunds()
    _reconciliation(desk)
    return desk


@dataclass
class AdminDesk:
    counts: dict[str, int]
    verifications: list = field(default_factory=list)
    disputes: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    shown: int = SHOWN  # the flagged list stops here ("5+")

    @property
    def nothing_waiting(self) -> bool:
        return not (any(self.counts.values()) or self.flagged)


def admin_desk(admin_id: int) -> AdminDesk:
    """The admin's queues: their counts (one statement) and the longest-waiting items."""
    desk = AdminDesk(counts=counts_for(Role.ADMIN.value, admin_id))
    desk.verifications = db.session.execute(
        select(VerificationRequest.id, VerificationRequest.created_at, KolProfile.display_name)
        .outerjoin(KolProfile, KolProfile.user_id == VerificationRequest.kol_id)
        .where(VerificationRequest.status == Verification.PENDING)
        .order_by(VerificationRequest.id)
        .limit(SHOWN)
    ).all()
    desk.disputes = db.session.execute(
        select(Contract.id, Contract.price, Contract.currency, Contract.created_at)
        .where(Contract.status == ContractStatus.DISPUTED)
        .order_by(Contract.id)
        .limit(SHOWN)
    ).all()
    desk.flagged = kols_to_review(limit=SHOWN)
    return desk
