"""Bids, and every offer made on them (the negotiation history)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.licence_terms import LicenceTerms
from app.outcome_terms import OutcomeTerms


class BidStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the brand
    COUNTERED = "countered"  # waiting for the side named by ``turn``
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


ACTIVE_BID_STATUSES = (BidStatus.PENDING, BidStatus.COUNTERED)
# The two sides of a bid: whose turn it is (``Bid.turn``) and who made an offer.
BRAND, KOL = "brand", "kol"


class Bid(OutcomeTerms, LicenceTerms, db.Model):
    __tablename__ = "bids"
    STATUS_ENTITY = "bid"
    _open = {
        BidStatus.COUNTERED,
        BidStatus.ACCEPTED,
        BidStatus.REJECTED,
        BidStatus.WITHDRAWN,
        BidStatus.EXPIRED,
    }
    TRANSITIONS = {BidStatus.PENDING: _open, BidStatus.COUNTERED: _open}
    __table_args__ = (
        # A price of 0 is a commission-only offer: only with outcome terms (a cap to fund).
        CheckConstraint("price >= 0 AND (price > 0 OR outcome_cap > 0)", name="price_or_cap"),
        # One active bid per KOL per campaign, held by the database itself.
        Index(
            "uq_bids_one_active",
            "campaign_id",
            "kol_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'countered')"),
            sqlite_where=text("status IN ('pending', 'countered')"),
        ),
        Index("ix_bids_campaign_status", "campaign_id", "status"),
        Index("ix_bids_kol_status", "kol_id", "status"),
        # The keyset of bid lists (most recently moved first, app/bids/queries.py bids_page):
        # a brand's list walks the first back until a page of its own bids (migration 0027);
        # a KOL's reads its own in order (without it the planner took the first for a KOL too).
        Index("ix_bids_updated_id", "updated_at", "id"),
        Index("ix_bids_kol_updated_id", "kol_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    price: Mapped[int] = mapped_column(BigInteger)  # the offer on the table now
    currency: Mapped[str] = mapped_column(String(3))
    pitch: Mapped[str] = mapped_column(Text)
    proposed_delivery: Mapped[date] = mapped_column(Date)
    # Due dates the KOL proposes for the campaign's deliverables, in order ("2027-01-05,
    # 2027-01-19"; ISO dates): a deliverable without one is due on proposed_delivery.
    deliverable_due_dates: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus), default=BidStatus.PENDING)
    turn: Mapped[str] = mapped_column(String(8), default="brand")  # who must answer: brand | kol
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    offers: Mapped[list[Offer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Offer.id"
    )

    @property
    def deliverable_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in (self.deliverable_due_dates or "").split(",") if d]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BID_STATUSES


class Offer(OutcomeTerms, LicenceTerms, db.Model):
    """One offer put on the table, by either side: the price and the terms as they stood
    (``Offer.of``), with its message. Offers made before the terms were recorded have
    ``terms_recorded`` false: their price is all that is known."""

    __tablename__ = "offers"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    by_role: Mapped[str] = mapped_column(String(8))  # brand | kol
    price: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text, default="")
    terms_recorded: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    @classmethod
    def of(cls, bid: Bid, *, by_role: str, message: str) -> Offer:
        """The offer now on ``bid``'s table: its price and its terms."""
        return cls(
            by_role=by_role, price=bid.price, message=message, **bid.terms(), **bid.licence()
        )
