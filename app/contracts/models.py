"""Contracts, the message thread on each, and ratings after completion."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.licence_terms import LicenceTerms
from app.outcome_terms import OutcomeTerms


class ContractStatus(enum.StrEnum):
    AWAITING_FUNDING = "awaiting_funding"
    FUNDED = "funded"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    RELEASED = "released"  # (first) release made; the rest may wait for keep-live
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    FROZEN = "frozen"  # a chargeback: nothing moves until finance clears it


S = ContractStatus
PRE_RELEASE = {S.AWAITING_FUNDING, S.FUNDED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED}


class Contract(OutcomeTerms, LicenceTerms, db.Model):
    __tablename__ = "contracts"
    STATUS_ENTITY = "contract"
    TRANSITIONS = {
        S.AWAITING_FUNDING: {S.FUNDED, S.CANCELLED},
        S.FUNDED: {S.IN_REVIEW, S.CANCELLED, S.DISPUTED, S.FROZEN},
        # → funded: one of several deliverables approved, none left in review (work goes on).
        S.IN_REVIEW: {S.APPROVED, S.CHANGES_REQUESTED, S.FUNDED, S.CANCELLED, S.DISPUTED, S.FROZEN},
        S.CHANGES_REQUESTED: {S.IN_REVIEW, S.CANCELLED, S.DISPUTED, S.FROZEN},
        S.APPROVED: {S.RELEASED, S.DISPUTED, S.FROZEN},
        S.RELEASED: {S.COMPLETED, S.DISPUTED, S.FROZEN},
        S.DISPUTED: {S.RESOLVED, S.FROZEN},
        S.FROZEN: {S.FUNDED, S.IN_REVIEW, S.APPROVED, S.RELEASED, S.DISPUTED, S.CANCELLED},
    }
    __table_args__ = (
        # A price of 0 is a commission-only deal: only with outcome terms (a cap to fund).
        CheckConstraint("price >= 0 AND (price > 0 OR outcome_cap > 0)", name="price_or_cap"),
        CheckConstraint("brand_fee >= 0 AND kol_fee >= 0 AND kol_fee <= price", name="fees"),
        CheckConstraint(
            "licence_fee >= 0 AND licence_brand_fee >= 0 AND licence_kol_fee >= 0 "
            "AND licence_kol_fee <= licence_fee",
            name="licence_fees",
        ),
        CheckConstraint("revisions_used >= 0", name="revisions_not_negative"),
        Index("ix_contracts_brand_status", "brand_id", "status"),
        Index("ix_contracts_kol_status", "kol_id", "status"),
        Index("ix_contracts_campaign", "campaign_id"),
        # A promo code is unique per brand (stored upper-case; NULL: none chosen).
        UniqueConstraint("brand_id", "promo_code", name="uq_contracts_promo_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="RESTRICT"), unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Money, fixed at acceptance: the brand pays price + brand_fee; the KOL gets price - kol_fee.
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[int] = mapped_column(BigInteger)
    brand_fee: Mapped[int] = mapped_column(BigInteger)
    kol_fee: Mapped[int] = mapped_column(BigInteger)
    deliverables: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    revision_rounds: Mapped[int] = mapped_column(Integer)
    revisions_used: Mapped[int] = mapped_column(Integer, default=0)
    extra_revisions_agreed: Mapped[int] = mapped_column(Integer, default=0)
    review_window_days: Mapped[int] = mapped_column(Integer)
    keep_live_days: Mapped[int] = mapped_column(Integer)
    usage_rights: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus), default=ContractStatus.AWAITING_FUNDING
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    funding_deadline: Mapped[datetime | None] = mapped_column(TZDateTime())
    funded_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime())  # latest submission
    review_due_at: Mapped[datetime | None] = mapped_column(TZDateTime(), index=True)
    approved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    keep_live_until: Mapped[datetime | None] = mapped_column(TZDateTime(), index=True)
    # The KOL took the note down during keep-live without the brand's consent: the share still
    # held goes back to the brand when keep-live ends (decided from this, not from history text).
    keep_live_breached_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # Outcome terms (app/outcome_terms.py): the brand fee on the cap, fixed at acceptance, and
    # the KOL's promo code for orders reported by code.
    outcome_fee: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    promo_code: Mapped[str | None] = mapped_column(String(20))
    cancelled_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # The usage licence (app/licence_terms.py): the fees on its fee, fixed at acceptance; it
    # runs from approval to ``licence_ends_at``; the brand is told before (``licence_reminded_at``).
    licence_brand_fee: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    licence_kol_fee: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    licence_ends_at: Mapped[datetime | None] = mapped_column(TZDateTime(), index=True)
    licence_reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    @property
    def brand_total(self) -> int:
        """What the brand funds: the price, the outcome cap, the licence fee and the brand fee
        on each."""
        return self.price + self.brand_fee + self.outcome_reserve + self.licence_total

    @property
    def outcome_reserve(self) -> int:
        """The part held for commission and bonus: the cap plus the brand fee on it."""
        return self.outcome_cap + self.outcome_fee

    @property
    def committed(self) -> int:
        """What the contract takes from the campaign's budget: its price, cap and licence fee."""
        return self.price + self.outcome_cap + self.licence_fee

    @property
    def licence_total(self) -> int:
        """What the brand pays for the licence: its fee and the brand fee on it."""
        return self.licence_fee + self.licence_brand_fee

    @property
    def licence_state(self) -> str | None:
        """None without a licence; 'agreed' until approval starts it, 'active', 'ended'."""
        if not self.has_licence:
            return None
        if self.licence_ends_at is None:
            return "agreed"
        return "active" if utcnow() < self.licence_ends_at else "ended"

    @property
    def licence_net(self) -> int:
        """What the KOL receives for the licence: its fee less the KOL fee."""
        return self.licence_fee - self.licence_kol_fee

    @property
    def kol_net(self) -> int:
        return self.price - self.kol_fee


class Message(db.Model):
    """A message on a contract's thread: plain text, optionally one checked attachment."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_contract", "contract_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(64))  # stored random name
    attachment_name: Mapped[str | None] = mapped_column(String(200))  # as uploaded, cleaned
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class Rating(db.Model):
    """One side's rating of the other after a contract completes."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("contract_id", "rater_id", name="uq_ratings_rater"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_ratings_ratee", "ratee_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class DeliverableKind(enum.StrEnum):
    NOTE = "note"  # an image note
    VIDEO = "video"  # a video note


class DeliverableStatus(enum.StrEnum):
    PENDING = "pending"  # not submitted yet (a draft may exist)
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"  # its share was released


D = DeliverableStatus


class Deliverable(db.Model):
    """One thing a contract delivers (a note or a video note): its own due date, review loop
    and share of the price. Approving it releases its share (app/payments/release.py)."""

    __tablename__ = "deliverables"
    STATUS_ENTITY = "deliverable"
    TRANSITIONS = {
        D.PENDING: {D.IN_REVIEW},
        D.IN_REVIEW: {D.APPROVED, D.CHANGES_REQUESTED},
        D.CHANGES_REQUESTED: {D.IN_REVIEW},
    }
    __table_args__ = (
        UniqueConstraint("contract_id", "position", name="uq_deliverables_position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("share >= 0", name="share_not_negative"),
        CheckConstraint("revisions_used >= 0", name="revisions_not_negative"),
        Index("ix_deliverables_status_due", "status", "review_due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)  # 1, 2, … in the contract's order
    kind: Mapped[DeliverableKind] = mapped_column(enum_column(DeliverableKind, 16))
    due_date: Mapped[date] = mapped_column(Date)
    # Its part of the contract's price (minor units); the shares sum exactly to the price.
    share: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliverableStatus] = mapped_column(
        enum_column(DeliverableStatus), default=DeliverableStatus.PENDING
    )
    revisions_used: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    review_due_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    contract: Mapped[Contract] = relationship(lazy="select")
