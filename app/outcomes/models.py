"""Settlements and the statement lines behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class Settlement(db.Model):
    """One run of a contract's outcome settlement, with its arithmetic, as both sides read it.

    Amounts are cumulative over the performance window so far (``earned``) beside what this run
    moved (``released``: gross, before the KOL fee; ``brand_fee_part``: our brand fee on it;
    ``refunded``: the cap's rest, final run only). A later reversal lowers ``earned``; what was
    released already stays released and is deducted from later increments (``carried``)."""

    __tablename__ = "outcome_settlements"
    __table_args__ = (
        UniqueConstraint("contract_id", "seq", name="uq_outcome_settlements_seq"),
        # At most one final settlement per contract, held by the database.
        Index(
            "uq_outcome_settlements_final",
            "contract_id",
            unique=True,
            postgresql_where=text("final"),
            sqlite_where=text("final"),
        ),
        CheckConstraint(
            "released >= 0 AND brand_fee_part >= 0 AND kol_fee_part >= 0 AND refunded >= 0 "
            "AND carried >= 0 AND earned >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, … per contract
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3))
    window_start: Mapped[datetime] = mapped_column(TZDateTime())
    window_end: Mapped[datetime] = mapped_column(TZDateTime())
    as_of: Mapped[datetime] = mapped_column(TZDateTime())  # orders up to here were read
    orders_counted: Mapped[int] = mapped_column(Integer, default=0)
    order_value: Mapped[int] = mapped_column(BigInteger, default=0)  # of the counted orders
    commission: Mapped[int] = mapped_column(BigInteger, default=0)  # cumulative, before the cap
    metric_value: Mapped[int] = mapped_column(BigInteger, default=0)  # bonus progress
    bonus: Mapped[int] = mapped_column(BigInteger, default=0)  # 0 or the bonus amount
    earned: Mapped[int] = mapped_column(BigInteger, default=0)  # min(commission + bonus, cap)
    released_before: Mapped[int] = mapped_column(BigInteger, default=0)
    released: Mapped[int] = mapped_column(BigInteger, default=0)  # this run, gross
    carried: Mapped[int] = mapped_column(BigInteger, default=0)  # released before > earned
    brand_fee_part: Mapped[int] = mapped_column(BigInteger, default=0)
    kol_fee_part: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)  # the cap's rest (final)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    lines: Mapped[list[SettlementLine]] = relationship(
        lazy="selectin", order_by="SettlementLine.id", cascade="all, delete-orphan"
    )

    @property
    def kol_net(self) -> int:
        return self.released - self.kol_fee_part


class SettlementLine(db.Model):
    """One order a settlement read: counted (with its commission) or excluded, and why (a code
    rendered in the reader's language)."""

    __tablename__ = "outcome_settlement_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_settlements.id", ondelete="CASCADE"), index=True
    )
    conversion_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime())
    counted: Mapped[bool] = mapped_column(Boolean)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    # unconfirmed | bot_click | click_not_recorded | reversed | outside_window | other_currency
    reason: Mapped[str] = mapped_column(String(24), default="")
