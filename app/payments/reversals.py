"""Transfer reversals: money pulled back from a KOL's Connect account after we paid it (in
Stripe's Dashboard or through its API), announced by ``transfer.reversed``.

Each reversal is booked once (its id is the entry's key) from Stripe's current list of the
transfer's reversals, so duplicated, late or reordered events end in the same books. The money
is back in our Stripe balance and owed to the KOL again (payable) until finance decides: pay
it again, or move it with a correcting entry."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.ledger.services import CASH, PAYABLE, Leg, post_entry
from app.payments import gateway
from app.payments.models import Payout, PayoutStatus
from app.payments.release import record_transfer
from app.status import move

log = logging.getLogger(__name__)


def _locked_payout(transfer: dict) -> Payout | None:
    """Our payout for a transfer: by its id, else by the payout id we put in its metadata
    (the event can overtake the job that records the transfer)."""
    payout_id = str((transfer.get("metadata") or {}).get("payout_id") or "")
    condition = Payout.transfer_id == transfer["id"]
    if payout_id.isdecimal() and len(payout_id) < 18:
        condition = condition | (Payout.id == int(payout_id))
    return db.session.scalar(
        select(Payout)
        .where(condition)
        .with_for_update()
        .execution_options(populate_existing=True)
        .limit(1)
    )


def record_reversals(*, transfer_id: str) -> Payout | None:
    """Book every reversal of the transfer not booked yet; mark the payout reversed in full."""
    transfer = gateway.retrieve_transfer(transfer_id)
    payout = _locked_payout(transfer)
    if payout is None:
        log.warning("transfer %s was reversed but is none of our payouts", transfer_id)
        return None
    if payout.transfer_id is None:
        record_transfer(payout_id=payout.id, transfer_id=transfer["id"])
    reversals = gateway.list_transfer_reversals(transfer["id"])
    booked = [r for r in reversals if _book(payout, r)]
    payout.amount_reversed = max(payout.amount_reversed, sum(r["amount"] for r in reversals))
    if payout.amount_reversed >= payout.amount and payout.status != PayoutStatus.REVERSED:
        move(payout, PayoutStatus.REVERSED, by=None, reason=f"transfer {transfer['id']} reversed")
    if booked:
        _tell(payout, sum(r["amount"] for r in booked))
    return payout


def _book(payout: Payout, reversal: dict) -> bool:
    """One reversal: cash back from the KOL's account, owed to the KOL again."""
    entry = post_entry(
        key=f"transfer-reversal:{reversal['id']}",
        kind="transfer_reversal",
        currency=payout.currency,
        contract_id=payout.contract_id,
        stripe_object_id=reversal["id"],
        legs=[
            Leg(CASH, reversal["amount"]),
            Leg(PAYABLE, -reversal["amount"], user_id=payout.kol_id),
        ],
        memo=f"Transfer {payout.transfer_id} reversed ({reversal['id']}): payable to the KOL again",
    )
    return entry is not None


def _tell(payout: Payout, amount: int) -> None:
    """Finance decides what happens to the money; the KOL learns it was taken back."""
    from app.notifications.messages import money
    from app.notifications.services import notify, notify_finance

    notify_finance(
        kind="transfer_reversed",
        link=f"/finance/contracts/{payout.contract_id}",
        transfer=payout.transfer_id,
        payout=payout.id,
        contract=payout.contract_id,
        amount=money(amount, payout.currency),
    )
    notify(
        user_id=payout.kol_id,
        kind="payout.reversed",
        link="/earnings",
        contract=payout.contract_id,
        amount=money(amount, payout.currency),
    )
