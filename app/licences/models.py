"""A licence (or an extension) a brand buys later on a published note: a funded purchase of its
own, paid to the KOL through the release path once Stripe says the brand paid."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class PurchaseStatus(enum.StrEnum):
    OPEN = "open"  # a Checkout Session the brand can pay on
    PAID = "paid"  # paid: the licence runs, its fee is released to the KOL


class LicencePurchase(db.Model):
    __tablename__ = "licence_purchases"
    __table_args__ = (
        CheckConstraint(
            "licence_fee > 0 AND licence_days > 0 AND licence_brand_fee >= 0 "
            "AND licence_kol_fee >= 0 AND licence_kol_fee <= licence_fee",
            name="amounts",
        ),
        CheckConstraint("status IN ('open', 'paid')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    currency: Mapped[str] = mapped_column(String(3))
    licence_scope: Mapped[str] = mapped_column(String(12))
    licence_days: Mapped[int] = mapped_column(Integer)
    licence_fee: Mapped[int] = mapped_column(BigInteger)
    licence_brand_fee: Mapped[int] = mapped_column(BigInteger)
    licence_kol_fee: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), default=PurchaseStatus.OPEN.value)
    starts_at: Mapped[datetime | None] = mapped_column(TZDateTime())  # set when paid
    ends_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    @property
    def total(self) -> int:
        """What the brand pays: the fee and the brand fee on it."""
        return self.licence_fee + self.licence_brand_fee

    @property
    def payout_stage(self) -> str:
        return f"licence-{self.id}"
