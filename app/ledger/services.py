"""Posting balanced entries, reading balances, and checking every invariant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.ledger.models import (
    CASH,
    CHARGEBACK_LOSSES,
    CHARGEBACKS,
    COMMISSION_EARNED,
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


class LedgerError(Exception):
    """An entry that would break the books; never shown to users as their fault."""


@dataclass(frozen=True)
class Leg:
    """One side of an entry: account kind, owner (contract or user id), signed amount."""

    kind: str
    amount: int
    contract_id: int | None = None
    user_id: int | None = None


PER_CONTRACT = (HELD, REFUNDS, CHARGEBACKS, COMMISSION_EARNED)


def account_code(kind: str, currency: str, contract_id: int | None, user_id: int | None) -> str:
    if kind in PER_CONTRACT:
        return f"{kind}:contract:{contract_id}:{currency}"
    if kind == PAYABLE:
        return f"{kind}:user:{user_id}:{currency}"
    return f"{kind}:{currency}"


def _account(kind: str, currency: str, contract_id: int | None, user_id: int | None):
    code = account_code(kind, currency, contract_id, user_id)
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        account = LedgerAccount(
            code=code,
            kind=kind,
            currency=currency,
            contract_id=contract_id if kind in PER_CONTRACT else None,
            user_id=user_id if kind == PAYABLE else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(account)
        except IntegrityError:  # created by a concurrent transaction
            account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    return account


# Closed-period lock: finance closes reconciled periods, and no entry may be dated inside one.
# create_app installs finance's check (the ledger does not import finance); each returns True
# when the given instant falls in a closed period.
PERIOD_LOCKS: list[Callable[[datetime], bool]] = []


def install_period_lock(is_closed: Callable[[datetime], bool]) -> None:
    """Refuse entries dated at an instant for which ``is_closed`` is True (once per check)."""
    if is_closed not in PERIOD_LOCKS:
        PERIOD_LOCKS.append(is_closed)


def entry_exists(key: str) -> bool:
    return db.session.scalar(select(JournalEntry.id).where(JournalEntry.key == key)) is not None


def post_entry(
    *,
    key: str,
    kind: str,
    currency: str,
    legs: list[Leg],
    contract_id: int | None,
    stripe_object_id: str | None = None,
    memo: str = "",
    actor_id: int | None = None,
    corrects_id: int | None = None,
) -> JournalEntry | None:
    """Book one balanced entry; a key already booked books nothing (returns None)."""
    legs = [leg for leg in legs if leg.amount != 0]
    if sum(leg.amount for leg in legs) != 0:
        raise LedgerError(f"entry {key} does not balance: {legs}")
    if not legs or entry_exists(key):
        return None
    now = utcnow()
    if any(is_closed(now) for is_closed in PERIOD_LOCKS):  # closed period: entries locked
        raise LedgerError(f"entry {key} falls in a closed period")
    entry = JournalEntry(
        created_at=now,
        key=key,
        kind=kind,
        contract_id=contract_id,
        memo=memo,
        stripe_object_id=stripe_object_id,
        actor_id=actor_id,
        corrects_id=corrects_id,
    )
    for leg in legs:
        account = _account(leg.kind, currency, leg.contract_id, leg.user_id)
        entry.lines.append(LedgerLine(account_id=account.id, amount=leg.amount, currency=currency))
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        if entry_exists(key):  # booked by a concurrent transaction (a job run twice at once)
            return None
        raise
    _refuse_negative([line.account_id for line in entry.lines])
    return entry


def post_correction(
    *,
    corrects_id: int,
    reason: str,
    actor_id: int,
    legs: list[Leg],
    currency: str | None = None,
) -> JournalEntry:
    """A new balanced entry correcting ``corrects_id``; the original stays as it was."""
    original = db.session.get(JournalEntry, corrects_id)
    if original is None:
        raise NotFound("No such journal entry.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why this correction is needed."]})
    if not [leg for leg in legs if leg.amount] or sum(leg.amount for leg in legs) != 0:
        raise ValidationFailed({"legs": ["The lines must be non-zero and add up to zero."]})
    currency = currency or (original.lines[0].currency if original.lines else None)
    count = db.session.scalar(
        select(func.count())
        .select_from(JournalEntry)
        .where(JournalEntry.corrects_id == corrects_id)
    )
    return post_entry(
        key=f"correction:{corrects_id}:{count + 1}",
        kind="correction",
        currency=currency,
        legs=legs,
        contract_id=original.contract_id,
        memo=reason,
        actor_id=actor_id,
        corrects_id=corrects_id,
    )


def _refuse_negative(account_ids: list[int]) -> None:
    """Held, payable, refunds and revenue never go below zero (in their normal sign)."""
    rows = db.session.execute(
        select(LedgerAccount.code, LedgerAccount.kind, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.id.in_(account_ids))
        .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.kind)
    ).all()
    for code, kind, total in rows:
        if kind in CREDIT_NORMAL and int(total) > 0:
            raise LedgerError(f"account {code} would go negative ({-total})")


def balance(
    kind: str, currency: str, *, contract_id: int | None = None, user_id: int | None = None
) -> int:
    """The balance in its normal sign (positive when money is there)."""
    code = account_code(kind, currency, contract_id, user_id)
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerAccount.code == code)
    )
    total = int(total)  # PostgreSQL sums BIGINT as NUMERIC
    return -total if kind in CREDIT_NORMAL else total


def contract_balances(contract_ids: list[int]) -> dict[int, dict[str, int]]:
    """Held and refunds-in-flight per contract, in one query."""
    result: dict[int, dict[str, int]] = defaultdict(lambda: {HELD: 0, REFUNDS: 0})
    if not contract_ids:
        return result
    rows = db.session.execute(
        select(LedgerAccount.contract_id, LedgerAccount.kind, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.contract_id.in_(contract_ids))
        .group_by(LedgerAccount.contract_id, LedgerAccount.kind)
    ).all()
    for contract_id, kind, total in rows:
        result[contract_id][kind] = -int(total)
    return result


def totals_by_kind(currency: str | None = None) -> dict[tuple[str, str], int]:
    """(kind, currency) → balance in normal sign, for dashboards and checks."""
    stmt = (
        select(LedgerAccount.kind, LedgerAccount.currency, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.kind, LedgerAccount.currency)
    )
    if currency:
        stmt = stmt.where(LedgerAccount.currency == currency)
    return {
        (kind, cur): (-int(total) if kind in CREDIT_NORMAL else int(total))
        for kind, cur, total in db.session.execute(stmt)
    }


__all__ = [
    "CASH",
    "CHARGEBACKS",
    "CHARGEBACK_LOSSES",
    "COMMISSION_EARNED",
    "DISPUTE_FEES",
    "HELD",
    "PAYABLE",
    "REFUNDS",
    "REVENUE",
    "STRIPE_FEES",
    "LedgerError",
    "Leg",
    "balance",
    "contract_balances",
    "entry_exists",
    "post_correction",
    "post_entry",
    "totals_by_kind",
]
