"""Stripe-side objects we create or receive, each tied to a contract and our own ids."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.status import known


def new_key() -> str:
    """Our own idempotency key for one Stripe write, stored with the row that needs it, so a
    re-run of the job sends the same key (ids alone can repeat after a rollback on SQLite)."""
    return uuid.uuid4().hex


class FundingStatus(enum.StrEnum):
    OPEN = "open"  # a Checkout Session the brand can pay on
    PAID = "paid"  # Stripe says the payment succeeded; booked as held
    EXPIRED = "expired"  # the session's link is dead; the next Fund makes a new one


class Funding(db.Model):
    """A Checkout Session the brand pays to fund a contract (price + brand fee)."""

    __tablename__ = "fundings"
    STATUS_ENTITY = "funding"
    TRANSITIONS = {
        FundingStatus.OPEN: {FundingStatus.PAID, FundingStatus.EXPIRED},
        # Marked expired a little early (EXPIRY_MARGIN) or on a late event: Stripe's word that
        # the brand paid still wins.
        FundingStatus.EXPIRED: {FundingStatus.PAID},
    }
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        known(FundingStatus),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    # A licence bought later on the contract's note (app/licences): this payment is for it.
    licence_purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("licence_purchases.id"), unique=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    checkout_session_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=FundingStatus.OPEN.value)
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class PayoutStatus(enum.StrEnum):
    WAITING_ONBOARDING = "waiting_onboarding"  # the KOL cannot receive transfers yet
    STAGED = "staged"  # ready; the transfer job is queued
    PROCESSING = "processing"  # claimed by the job; Stripe called or about to be
    PAID = "paid"
    FAILED = "failed"  # Stripe refused; finance may retry
    ON_HOLD = "on_hold"  # finance put it on hold
    REVERSED = "reversed"  # paid, then its transfer was reversed in full (transfer.reversed)


P = PayoutStatus
# A transfer Stripe made (found by a re-run, or announced by transfer.reversed) makes the payout
# paid from wherever it stands: Stripe's word wins over ours.
PAYOUT_MOVES: dict[PayoutStatus, set[PayoutStatus]] = {
    P.WAITING_ONBOARDING: {P.STAGED, P.ON_HOLD, P.PAID},
    P.STAGED: {P.PROCESSING, P.ON_HOLD, P.PAID},
    # A re-run (retry, crash) claims a processing payout again.
    P.PROCESSING: {P.PROCESSING, P.PAID, P.FAILED, P.ON_HOLD, P.WAITING_ONBOARDING},
    P.FAILED: {P.STAGED, P.WAITING_ONBOARDING, P.ON_HOLD, P.PAID},
    P.ON_HOLD: {P.STAGED, P.WAITING_ONBOARDING, P.PAID},
    P.PAID: {P.REVERSED},
}


class Payout(db.Model):
    """A release to a KOL: one per stage of a contract; paid by one Stripe transfer."""

    __tablename__ = "payouts"
    STATUS_ENTITY = "payout"
    TRANSITIONS = PAYOUT_MOVES
    __table_args__ = (
        UniqueConstraint("contract_id", "stage", name="uq_payouts_stage"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "amount_reversed >= 0 AND amount_reversed <= amount", name="reversed_within_amount"
        ),
        Index("ix_payouts_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # approval | keep_live | dispute
    amount: Mapped[int] = mapped_column(BigInteger)  # what the KOL receives
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PayoutStatus] = mapped_column(enum_column(PayoutStatus))
    transfer_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    source_charge_id: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    # Bumped after a Stripe 5xx once Stripe was asked and had no transfer for us: Stripe
    # stores a 500 under its key and replays it, so the next attempt needs a key of its own.
    key_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # Pulled back from the KOL by transfer reversals (booked as payable to the KOL again).
    amount_reversed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RefundStatus(enum.StrEnum):
    STAGED = "staged"  # claimed in the ledger; the refund job is queued
    PROCESSING = "processing"  # claimed by the job; Stripe called or about to be
    PENDING = "pending"  # Stripe accepted it and has not finished (refund in progress)
    SUCCEEDED = "succeeded"  # the money left our balance for the brand's card
    FAILED = "failed"  # refused, or returned by the card issuer: finance may retry


REFUND_MOVES: dict[RefundStatus, tuple[RefundStatus, ...]] = {
    RefundStatus.STAGED: (RefundStatus.PROCESSING,),
    RefundStatus.PROCESSING: (
        RefundStatus.PROCESSING,
        RefundStatus.PENDING,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
    ),
    RefundStatus.PENDING: (RefundStatus.SUCCEEDED, RefundStatus.FAILED),
    # A card issuer can send a refund back after Stripe said it succeeded.
    RefundStatus.SUCCEEDED: (RefundStatus.FAILED,),
    RefundStatus.FAILED: (RefundStatus.STAGED,),
}


class Refund(db.Model):
    """Money going back to the brand: a full refund on cancellation or a dispute's part."""

    __tablename__ = "refunds"
    STATUS_ENTITY = "refund"
    TRANSITIONS = REFUND_MOVES
    __table_args__ = (
        UniqueConstraint("contract_id", "reason_code", name="uq_refunds_reason"),
        CheckConstraint("amount > 0", name="amount_positive"),
        known(RefundStatus),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason_code: Mapped[str] = mapped_column(String(24))  # cancellation | dispute | takedown
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.STAGED.value)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    charge_id: Mapped[str] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Stripe's failure_reason when the card issuer returned the refund.
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    key_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class RefundAttempt(db.Model):
    """Finance's retry of a failed refund. Stripe replays a refused request's answer for the
    same idempotency key, so each retry sends a key of its own, built from this row's id."""

    __tablename__ = "refund_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    outcome: Mapped[str | None] = mapped_column(String(16))  # succeeded | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    @property
    def stripe_key(self) -> str:
        """What goes after ``refund-<refund id>-`` in the Stripe idempotency key."""
        return f"retry{self.id}-{self.idempotency_key}"


class PaymentFailure(db.Model):
    """A declined or failed attempt to pay for a contract, as Stripe reported it; the brand
    reads these on the contract. Stored as Stripe's codes (rendered in the reader's language)
    with Stripe's own message kept for codes we do not know."""

    __tablename__ = "payment_failures"
    __table_args__ = (UniqueConstraint("stripe_object_id", name="uq_payment_failures_object"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    funding_id: Mapped[int] = mapped_column(ForeignKey("fundings.id"))
    # The failed charge (or the session for async failures): one row per failed attempt.
    stripe_object_id: Mapped[str] = mapped_column(String(80))
    code: Mapped[str | None] = mapped_column(String(40))
    decline_code: Mapped[str | None] = mapped_column(String(40))
    stripe_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class ConnectAccount(db.Model):
    """A KOL's Stripe Connect Express account; payouts only once Stripe says so."""

    __tablename__ = "connect_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(80), unique=True)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    transfers_active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class WebhookEvent(db.Model):
    """A Stripe event we processed; stored in the same transaction as its effect."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # evt_…
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(80), index=True)
    received_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class DisputeResolution(db.Model):
    """An admin's split of a disputed contract, with a reason both sides read."""

    __tablename__ = "dispute_resolutions"
    __table_args__ = (
        CheckConstraint("refund_amount >= 0 AND release_amount >= 0", name="parts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), unique=True)
    refund_amount: Mapped[int] = mapped_column(BigInteger)
    release_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class DisputeStatus(enum.StrEnum):
    """Stripe's dispute statuses (API 2026-10-28), stored as Stripe spells them."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response"  # an inquiry, no money moved yet
    WARNING_UNDER_REVIEW = "warning_under_review"
    WARNING_CLOSED = "warning_closed"  # the inquiry ended without a chargeback
    NEEDS_RESPONSE = "needs_response"  # a chargeback: funds withdrawn, evidence due
    UNDER_REVIEW = "under_review"  # evidence submitted, the issuer decides
    APPEAL_NEEDS_RESPONSE = "appeal_needs_response"
    APPEAL_UNDER_REVIEW = "appeal_under_review"
    WON = "won"  # funds reinstated (never the fee)
    LOST = "lost"  # the brand keeps its money back; the contract's held money pays for it
    PREVENTED = "prevented"  # resolved before it became a chargeback


D = DisputeStatus
# The moves Stripe documents: an inquiry is answered, closed or escalated to a chargeback; a
# chargeback is answered (or accepted) and decided. Won, lost, warning_closed and prevented are
# final for our books: a lost dispute's write-off is booked once and an appeal of it is not
# followed (Stripe's appeal statuses are accepted only as a dispute's first status).
DISPUTE_MOVES: dict[DisputeStatus, set[DisputeStatus]] = {
    D.WARNING_NEEDS_RESPONSE: {
        D.WARNING_UNDER_REVIEW,
        D.WARNING_CLOSED,
        D.NEEDS_RESPONSE,
        D.PREVENTED,
    },
    D.WARNING_UNDER_REVIEW: {D.WARNING_CLOSED, D.NEEDS_RESPONSE, D.PREVENTED},
    D.NEEDS_RESPONSE: {D.UNDER_REVIEW, D.WON, D.LOST},
    D.UNDER_REVIEW: {D.WON, D.LOST},
    D.APPEAL_NEEDS_RESPONSE: {D.APPEAL_UNDER_REVIEW, D.WON, D.LOST},
    D.APPEAL_UNDER_REVIEW: {D.WON, D.LOST},
}


class Chargeback(db.Model):
    """A card dispute opened by the brand's bank (charge.dispute.created)."""

    __tablename__ = "chargebacks"
    STATUS_ENTITY = "chargeback"
    TRANSITIONS = DISPUTE_MOVES
    __table_args__ = (known(DisputeStatus),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(80), unique=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    charge_id: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
