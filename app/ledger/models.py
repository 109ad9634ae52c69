"""Accounts, journal entries and their lines. Append-only: nothing here is ever updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db

# Account kinds. Balances are sums of signed line amounts: debits positive, credits negative.
# "Normal" sign: assets and expenses carry positive balances, liabilities and revenue negative.
CASH = "stripe_cash"  # asset: our Stripe balance
HELD = "held"  # liability, per contract: money paid by the brand, held for the deal
PAYABLE = "payable"  # liability, per KOL: released to the KOL, not yet transferred
REFUNDS = "refunds_payable"  # liability, per contract: owed back to the brand, refund in flight
REVENUE = "platform_revenue"  # revenue: our fees
STRIPE_FEES = "stripe_fees"  # expense: Stripe's processing fees
# asset, per contract: taken from our balance by a chargeback, until the dispute closes
CHARGEBACKS = "chargebacks_open"
DISPUTE_FEES = "dispute_fees"  # expense: Stripe's fee for each dispute (kept even if won)
CHARGEBACK_LOSSES = "chargeback_losses"  # expense: lost chargebacks beyond what was held
# liability, per contract: commission and bonus a settlement found earned, not yet released to
# the KOL's payable (a settlement moves it on in the same transaction, so it rests at zero)
COMMISSION_EARNED = "commission_earned"
KINDS = (
    CASH,
    HELD,
    PAYABLE,
    REFUNDS,
    REVENUE,
    STRIPE_FEES,
    CHARGEBACKS,
    DISPUTE_FEES,
    CHARGEBACK_LOSSES,
    COMMISSION_EARNED,
)
CREDIT_NORMAL = (HELD, PAYABLE, REFUNDS, REVENUE, COMMISSION_EARNED)


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (Index("ix_ledger_accounts_kind", "kind", "currency"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)  # e.g. held:contract:12:usd
    kind: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)


class JournalEntry(db.Model):
    """One money movement; its lines sum to zero per currency."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_contract", "contract_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Unique: replaying the same event or job can never book a movement twice.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    stripe_object_id: Mapped[str | None] = mapped_column(String(80), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, index=True)

    lines: Mapped[list[LedgerLine]] = relationship(lazy="selectin", order_by="LedgerLine.id")


class LedgerLine(db.Model):
    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ledger_lines_account", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, debit +, credit -
    currency: Mapped[str] = mapped_column(String(3))

    account: Mapped[LedgerAccount] = relationship(lazy="joined")
