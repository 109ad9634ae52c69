"""The ledger's invariants, checked by `flask ledger check` and after every money test."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import (
    CASH,
    CHARGEBACKS,
    COMMISSION_EARNED,
    CREDIT_NORMAL,
    HELD,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
)
from app.payments.models import Chargeback, Funding, Payout, Refund


def ledger_problems() -> list[str]:
    """Every broken invariant, in words; an empty list means the books are right."""
    return [
        *_unbalanced_entries(),
        *_negative_accounts(),
        *_contract_identity(),
        *_stripe_objects_booked_once(),
        *_reversals_match_payouts(),
        *_refunds_match_stripe(),
        *_chargebacks_settle(),
        *_settlements_match_ledger(),
    ]


def _unbalanced_entries() -> list[str]:
    rows = db.session.execute(
        select(LedgerLine.entry_id, LedgerLine.currency, func.sum(LedgerLine.amount))
        .group_by(LedgerLine.entry_id, LedgerLine.currency)
        .having(func.sum(LedgerLine.amount) != 0)
    ).all()
    problems = [f"entry {e} does not balance in {c}: {s}" for e, c, s in rows]
    mixed = db.session.execute(
        select(LedgerLine.entry_id)
        .join(LedgerAccount)
        .where(LedgerAccount.currency != LedgerLine.currency)
    ).all()
    problems += [
        f"entry {row[0]} books a line in another currency than its account" for row in mixed
    ]
    return problems


def _negative_accounts() -> list[str]:
    rows = db.session.execute(
        select(LedgerAccount.code, LedgerAccount.kind, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.kind)
    ).all()
    problems = []
    for code, kind, total in rows:
        # Our Stripe cash may dip below zero for a moment (Stripe keeps its fee when we refund
        # in full; the platform's own balance covers it), so it is not checked here.
        if kind == CASH:
            continue
        normal = -total if kind in CREDIT_NORMAL else total
        if normal < 0:
            problems.append(f"account {code} is negative: {normal}")
    return problems


def _sum_held(kind: str) -> dict[int, int]:
    """Per contract, the amount of held money moved by entries of ``kind`` (normal sign)."""
    rows = db.session.execute(
        select(LedgerAccount.contract_id, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .where(LedgerAccount.kind == HELD, JournalEntry.kind == kind)
        .group_by(LedgerAccount.contract_id)
    ).all()
    return {contract_id: abs(total) for contract_id, total in rows}


def _contract_identity() -> list[str]:
    """held + released + refunded = funded, per contract; funded = what Stripe charged."""
    funded, released, refunded, charged_back, earned = (
        _sum_held("funding"),
        _sum_held("release"),
        _sum_held("refund_claim"),
        _sum_held("chargeback_lost"),  # a lost chargeback is paid from what was held
        _sum_held("commission_earned"),  # outcome settlements (app/outcomes/settlement.py)
    )
    held_rows = db.session.execute(
        select(LedgerAccount.contract_id, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == HELD)
        .group_by(LedgerAccount.contract_id)
    ).all()
    problems = []
    for contract_id, total in held_rows:
        held = -total
        out = (
            released.get(contract_id, 0)
            + refunded.get(contract_id, 0)
            + charged_back.get(contract_id, 0)
            + earned.get(contract_id, 0)
        )
        if held + out != funded.get(contract_id, 0):
            problems.append(
                f"contract {contract_id}: held + released + refunded + charged back != funded"
            )
    charged = dict(
        db.session.execute(
            select(Funding.contract_id, func.sum(Funding.amount))
            .where(Funding.status == "paid")
            .group_by(Funding.contract_id)
        ).all()
    )
    for contract_id, amount in charged.items():
        if funded.get(contract_id, 0) != amount:
            problems.append(
                f"contract {contract_id}: funded {funded.get(contract_id, 0)} "
                f"but Stripe charged {amount}"
            )
    return problems


def _stripe_objects_booked_once() -> list[str]:
    ours = [
        *db.session.scalars(select(Payout.transfer_id).where(Payout.transfer_id.is_not(None))),
        *db.session.scalars(
            # pending and failed refunds moved no money (a returned one is booked, then
            # booked back: its refund entry is the one counted here)
            select(Refund.stripe_refund_id).where(
                Refund.stripe_refund_id.is_not(None), Refund.status == "succeeded"
            )
        ),
        *db.session.scalars(select(Funding.charge_id).where(Funding.charge_id.is_not(None))),
    ]
    counts = (
        dict(
            db.session.execute(
                select(JournalEntry.stripe_object_id, func.count())
                .where(JournalEntry.stripe_object_id.in_(ours) if ours else False)
                .where(JournalEntry.kind.in_(("funding", "transfer", "refund")))
                .group_by(JournalEntry.stripe_object_id)
            ).all()
        )
        if ours
        else {}
    )
    return [
        f"Stripe object {obj} has {counts.get(obj, 0)} ledger entries, expected 1"
        for obj in ours
        if counts.get(obj, 0) != 1
    ]


def _reversals_match_payouts() -> list[str]:
    """Per contract, what its payouts say was reversed = the reversal entries' cash."""
    recorded = dict(
        db.session.execute(
            select(Payout.contract_id, func.sum(Payout.amount_reversed))
            .where(Payout.amount_reversed > 0)
            .group_by(Payout.contract_id)
        ).all()
    )
    booked = dict(
        db.session.execute(
            select(JournalEntry.contract_id, func.sum(LedgerLine.amount))
            .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
            .where(JournalEntry.kind == "transfer_reversal", LedgerAccount.kind == CASH)
            .group_by(JournalEntry.contract_id)
        ).all()
    )
    return [
        f"contract {contract_id}: payouts reversed {int(recorded.get(contract_id) or 0)} "
        f"but {int(booked.get(contract_id) or 0)} booked"
        for contract_id in sorted(set(recorded) | set(booked), key=lambda c: c or 0)
        if int(recorded.get(contract_id) or 0) != int(booked.get(contract_id) or 0)
    ]


def _cash_of(kinds: tuple[str, ...], group_by) -> dict:
    """Our Stripe cash moved by entries of ``kinds``, per ``group_by`` (normal sign: in > 0)."""
    return {
        key: int(total)
        for key, total in db.session.execute(
            select(group_by, func.sum(LedgerLine.amount))
            .join(LedgerLine, LedgerLine.entry_id == JournalEntry.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
            .where(JournalEntry.kind.in_(kinds), LedgerAccount.kind == CASH)
            .group_by(group_by)
        ).all()
    }


def _refunds_match_stripe() -> list[str]:
    """Per contract, the cash booked as refunded (less refunds the issuer sent back) equals
    what our refunds say Stripe finished: pending and failed refunds moved no money."""
    succeeded = dict(
        db.session.execute(
            select(Refund.contract_id, func.sum(Refund.amount))
            .where(Refund.status == "succeeded")
            .group_by(Refund.contract_id)
        ).all()
    )
    booked = _cash_of(("refund", "refund_failure"), JournalEntry.contract_id)
    return [
        f"contract {contract_id}: refunds succeeded {int(succeeded.get(contract_id) or 0)} "
        f"but {-booked.get(contract_id, 0)} booked as refunded"
        for contract_id in sorted(set(succeeded) | set(booked), key=lambda c: c or 0)
        if int(succeeded.get(contract_id) or 0) != -booked.get(contract_id, 0)
    ]


def _chargebacks_settle() -> list[str]:
    """What chargebacks took from a contract's payment stays open while a dispute on it does,
    and is settled (reinstated, or paid from held money and losses) once every dispute on it
    is closed; it is never negative."""
    taken = dict(
        db.session.execute(
            select(LedgerAccount.contract_id, func.sum(LedgerLine.amount))
            .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
            .where(LedgerAccount.kind == CHARGEBACKS)
            .group_by(LedgerAccount.contract_id)
        ).all()
    )
    still_open = set(
        db.session.scalars(
            select(Chargeback.contract_id).where(Chargeback.status.not_in(("won", "lost")))
        )
    )
    problems = []
    for contract_id, total in taken.items():
        if int(total) < 0:
            problems.append(f"contract {contract_id}: chargebacks negative ({int(total)})")
        elif int(total) and contract_id not in still_open:
            problems.append(
                f"contract {contract_id}: every dispute is closed but {int(total)} is still "
                "booked as taken by a chargeback"
            )
    return problems


def _settlements_match_ledger() -> list[str]:
    """Outcome settlements: per contract, what the statements say was released (with its brand
    fee) = what left held as commission earned; commission earned is released in the same
    transaction, so it rests at zero; each settlement's payout is for its KOL net."""
    from app.outcomes.models import Settlement

    stated = {
        contract_id: int(total)
        for contract_id, total in db.session.execute(
            select(
                Settlement.contract_id,
                func.sum(Settlement.released + Settlement.brand_fee_part),
            ).group_by(Settlement.contract_id)
        ).all()
    }
    booked = _sum_held("commission_earned")
    problems = [
        f"contract {contract_id}: settlements released {stated.get(contract_id, 0)} "
        f"but {booked.get(contract_id, 0)} booked as commission earned"
        for contract_id in sorted(set(stated) | set(booked), key=lambda c: c or 0)
        if stated.get(contract_id, 0) != booked.get(contract_id, 0)
    ]
    resting = db.session.execute(
        select(LedgerAccount.code, func.sum(LedgerLine.amount))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == COMMISSION_EARNED)
        .group_by(LedgerAccount.code)
        .having(func.sum(LedgerLine.amount) != 0)
    ).all()
    problems += [f"account {code} holds {-int(total)} not released" for code, total in resting]
    mismatched = db.session.execute(
        select(Settlement.id)
        .join(Payout, Payout.id == Settlement.payout_id)
        .where(Payout.amount != Settlement.released - Settlement.kol_fee_part)
    ).all()
    problems += [f"settlement {row[0]}: its payout is not its KOL net" for row in mismatched]
    return problems
