"""Settling outcome terms: what a contract's note earned from our own attribution, released to
the KOL through the payout path, and the cap's rest refunded to the brand at the end.

A run reads every order attributed to the contract's note, decides for each whether it counts
(``order_verdicts``), and books only the increment over what earlier runs released:

    earned     = min(commission on counted orders + bonus if the threshold was reached, cap)
    released   = max(0, earned - released before)        (gross, what the brand pays for)
    brand fee  = its share of the funded brand fee on the cap, for what is released so far
    KOL fee    = KOL_FEE_BPS of what is released so far, less what earlier runs took

Ledger: held → commission earned (``commission_earned``), then earned → the KOL's payable and
our revenue (``commission_release``) with a payout whose transfer job pays it (claim → Stripe
with our key → record). The final run refunds the rest of the cap's reserve through the refund
path (reason ``outcome_remainder``). All of it happens under the contract's row lock, so a
second run, a dispute or a cancellation racing it sees the outcome of the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.analytics.models import Conversion
from app.analytics.store import Scope, current_store
from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.extensions import db
from app.jobs import stage_job
from app.ledger.services import COMMISSION_EARNED, HELD, PAYABLE, REVENUE, Leg, balance, post_entry
from app.money import fee_for
from app.outcomes.models import Settlement, SettlementLine
from app.payments.models import Payout, PayoutStatus
from app.payments.refunds import claim_refund, paid_funding
from app.payments.release import payout_account

S = ContractStatus
SETTLEABLE = (S.RELEASED, S.COMPLETED)
SETTLE_EVERY = timedelta(days=7)  # weekly during the performance window
REASONS = ("unconfirmed", "reversed", "outside_window", "other_currency", "bot_click",
           "click_not_recorded")  # fmt: skip


def window_of(contract: Contract) -> tuple[datetime, datetime]:
    """The performance window: from approval (the note goes live) for performance_days."""
    start = contract.approved_at
    return start, start + timedelta(days=contract.performance_days)


@dataclass
class Verdict:
    conversion: Conversion
    counted: bool
    commission: int = 0
    reason: str = ""


def order_verdicts(contract: Contract, as_of: datetime) -> list[Verdict]:
    """Every order attributed to the contract's note up to ``as_of``, counted or excluded."""
    start, end = window_of(contract)
    orders = db.session.scalars(
        select(Conversion)
        .where(Conversion.contract_id == contract.id, Conversion.attributed.is_(True))
        .where(Conversion.occurred_at <= as_of)
        .order_by(Conversion.occurred_at, Conversion.id)
    ).all()
    clicks = _clicks([o.click_id for o in orders if o.click_id])
    counted_before = set(
        db.session.scalars(
            select(SettlementLine.conversion_id)
            .join(Settlement, Settlement.id == SettlementLine.settlement_id)
            .where(Settlement.contract_id == contract.id, SettlementLine.counted.is_(True))
        )
    )
    verdicts = []
    for order in orders:
        reason = _exclusion(order, contract, start, end, clicks, order.id in counted_before)
        commission = 0 if reason else _commission(contract, order.value)
        verdicts.append(Verdict(order, not reason, commission, reason))
    return verdicts


def _clicks(click_ids: list[str]) -> dict[str, bool]:
    """click id -> whether a robot made it, for the clicks recorded (read back by id from the
    analytics store: the orders and the money stay here)."""
    return {cid: click["is_bot"] for cid, click in current_store().clicks(click_ids).items()}


def _exclusion(order, contract, start, end, clicks, counted_before: bool) -> str:
    """Why an order does not count ('' when it does). An order counted by an earlier run keeps
    counting unless reversed: raw clicks are pruned after a while, statements are not."""
    if order.reversed_at is not None:
        return "reversed"
    if counted_before:
        return ""
    if not order.confirmed:
        return "unconfirmed"
    if not start <= order.occurred_at < end:
        return "outside_window"
    if order.currency != contract.currency:
        return "other_currency"
    if order.click_id:
        if order.click_id not in clicks:
            return "click_not_recorded"
        if clicks[order.click_id]:
            return "bot_click"
    return ""


def _commission(contract: Contract, value: int) -> int:
    return fee_for(value, contract.commission_bps) + contract.commission_fixed


def metric_value(contract: Contract, verdicts: list[Verdict], as_of: datetime) -> int:
    """The bonus metric so far: robot views and clicks are never in views and clicks."""
    if contract.bonus_metric == "conversions":
        return sum(1 for v in verdicts if v.counted)
    if contract.bonus_metric not in ("views", "clicks"):
        return 0
    start, end = window_of(contract)
    counts = current_store().counts(Scope("contract", contract.id), start, min(end, as_of))
    return counts[contract.bonus_metric]


def _releasable(contract: Contract, before: int, wanted: int) -> int:
    """What of ``wanted`` the contract still holds (with its brand fee): all of it unless a
    lost chargeback took held money; the rest stays earned for a later settlement."""
    held = balance(HELD, contract.currency, contract_id=contract.id)

    def gross(amount: int) -> int:
        share = _brand_fee_share(contract, before + amount) - _brand_fee_share(contract, before)
        return amount + share

    if gross(wanted) <= held:
        return wanted
    fits = max(0, held) * contract.outcome_cap // max(1, contract.outcome_reserve)
    while fits > 0 and gross(fits) > held:
        fits -= 1
    return min(fits, wanted)


def _brand_fee_share(contract: Contract, released: int) -> int:
    """The part of the funded brand fee on the cap that ``released`` carries (the whole fee
    once the whole cap is released, never more)."""
    if not contract.outcome_cap:
        return 0
    return released * contract.outcome_fee // contract.outcome_cap


def settle_contract(*, contract_id: int, now: datetime | None = None) -> Settlement | None:
    """Settle one contract if it is due (a week after its last run, or its window ended and no
    final run was made); None when nothing was due. Flushes; the caller commits."""
    now = now or utcnow()
    contract = lock_contract(contract_id)
    if not _settleable(contract):
        return None
    runs = db.session.scalars(
        select(Settlement).where(Settlement.contract_id == contract.id).order_by(Settlement.seq)
    ).all()
    start, end = window_of(contract)
    final = now >= end
    if any(run.final for run in runs):
        return None
    if not final and (now - (runs[-1].created_at if runs else start)) < SETTLE_EVERY:
        return None
    return _settle(contract, runs, now=now, final=final)


def _settleable(contract: Contract) -> bool:
    return (
        contract.has_outcome_terms
        and contract.status in SETTLEABLE
        and contract.approved_at is not None
    )


def _settle(contract: Contract, runs: list[Settlement], *, now: datetime, final: bool):
    start, end = window_of(contract)
    as_of = min(now, end)
    verdicts = order_verdicts(contract, as_of)
    counted = [v for v in verdicts if v.counted]
    commission = sum(v.commission for v in counted)
    metric = metric_value(contract, verdicts, as_of)
    bonus = contract.bonus_amount if metric >= contract.bonus_threshold > 0 else 0
    earned = min(commission + bonus, contract.outcome_cap)
    before = sum(run.released for run in runs)
    released = _releasable(contract, before, max(0, earned - before))
    kol_bps = current_app.config["KOL_FEE_BPS"]
    settlement = Settlement(
        contract_id=contract.id,
        seq=len(runs) + 1,
        final=final,
        currency=contract.currency,
        window_start=start,
        window_end=end,
        as_of=as_of,
        orders_counted=len(counted),
        order_value=sum(v.conversion.value for v in counted),
        commission=commission,
        metric_value=metric,
        bonus=bonus,
        earned=earned,
        released_before=before,
        released=released,
        carried=max(0, before - earned),  # earned beyond released waits (_releasable)
        brand_fee_part=_brand_fee_share(contract, before + released)
        - _brand_fee_share(contract, before),
        kol_fee_part=fee_for(before + released, kol_bps) - fee_for(before, kol_bps),
        created_at=now,
    )
    settlement.lines = [
        SettlementLine(
            conversion_id=v.conversion.id,
            order_id=v.conversion.order_id,
            value=v.conversion.value,
            currency=v.conversion.currency,
            occurred_at=v.conversion.occurred_at,
            counted=v.counted,
            commission=v.commission,
            reason=v.reason,
        )
        for v in verdicts
    ]
    db.session.add(settlement)
    db.session.flush()
    if released:
        settlement.payout_id = _release(contract, settlement).id
    if final:
        _refund_rest(contract, settlement, runs)
    _tell(contract, settlement)
    return settlement


def _tell(contract: Contract, settlement: Settlement) -> None:
    """Both sides hear of a settlement that moved money (the statement says the rest)."""
    from app.notifications.messages import money
    from app.notifications.services import notify

    if not (settlement.released or settlement.refunded):
        return
    facts = {
        "contract": contract.id,
        "n": settlement.seq,
        "amount": money(settlement.released, contract.currency),
    }
    kind = "outcome.final" if settlement.final else "outcome.settled"
    if settlement.final:
        facts["refunded"] = money(settlement.refunded, contract.currency)
    link = f"/contracts/{contract.id}/settlements"
    for user_id in (contract.brand_id, contract.kol_id):
        notify(user_id=user_id, kind=kind, link=link, **facts)
    from app.webhooks.services import emit

    emit(
        brand_id=contract.brand_id,
        event_type="settlement.made",
        key=f"contract:{contract.id}:{settlement.seq}",
        data={"contract_id": contract.id, "seq": settlement.seq, "final": settlement.final,
              "released": settlement.released, "refunded": settlement.refunded,
              "currency": contract.currency},
    )  # fmt: skip


def _release(contract: Contract, settlement: Settlement) -> Payout:
    """Book the increment as earned, then as the KOL's payable and our fees; stage the transfer
    (or wait for onboarding) exactly as an approval's release does."""
    gross = settlement.released + settlement.brand_fee_part
    kol_amount = settlement.kol_net
    account = payout_account(contract.kol_id)
    payout = Payout(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        stage=f"outcome{settlement.seq}",
        amount=kol_amount,
        currency=contract.currency,
        source_charge_id=_charge_id(contract.id),
        status=PayoutStatus.STAGED if account else PayoutStatus.WAITING_ONBOARDING,
    )
    db.session.add(payout)
    db.session.flush()
    common = dict(currency=contract.currency, contract_id=contract.id)
    post_entry(
        key=f"commission-earned:{settlement.id}",
        kind="commission_earned",
        legs=[
            Leg(HELD, gross, contract_id=contract.id),
            Leg(COMMISSION_EARNED, -gross, contract_id=contract.id),
        ],
        memo=f"Commission and bonus earned (settlement {settlement.seq})",
        **common,
    )
    post_entry(
        key=f"commission-release:{settlement.id}",
        kind="commission_release",
        legs=[
            Leg(COMMISSION_EARNED, gross, contract_id=contract.id),
            Leg(PAYABLE, -kol_amount, user_id=contract.kol_id),
            Leg(REVENUE, -(gross - kol_amount)),
        ],
        memo=f"Commission released to KOL (settlement {settlement.seq})",
        **common,
    )
    if account is not None:
        stage_job("payments.transfer", payout_id=payout.id)
    return payout


def reserve_left(contract: Contract) -> int:
    """What is still held for commission and bonus: the reserve less what settlements
    released (with its brand fee) and what the final one refunded to the brand."""
    taken = db.session.scalar(
        select(
            func.coalesce(
                func.sum(Settlement.released + Settlement.brand_fee_part + Settlement.refunded), 0
            )
        ).where(Settlement.contract_id == contract.id)
    )
    return max(0, contract.outcome_reserve - int(taken))


def _refund_rest(contract: Contract, settlement: Settlement, runs: list[Settlement]) -> None:
    """The final run gives the brand back what the cap did not pay (and its brand fee)."""
    funding = paid_funding(contract.id)
    rest = min(reserve_left(contract), balance(HELD, contract.currency, contract_id=contract.id))
    if rest <= 0 or funding is None:
        return
    refund = claim_refund(
        contract=contract,
        amount=rest,
        reason_code="outcome_remainder",
        charge_id=funding.charge_id,
    )
    settlement.refunded, settlement.refund_id = rest, refund.id


def _charge_id(contract_id: int) -> str | None:
    funding = paid_funding(contract_id)
    return funding.charge_id if funding else None


def due_contract_ids(now: datetime) -> list[int]:
    """Contracts with outcome terms that may be due: a cheap pre-filter; settle_contract
    decides under the lock."""
    final_done = select(Settlement.contract_id).where(Settlement.final.is_(True))
    return list(
        db.session.scalars(
            select(Contract.id)
            .where(
                Contract.outcome_cap > 0,
                Contract.status.in_(SETTLEABLE),
                Contract.approved_at.is_not(None),
                Contract.approved_at < now,
                Contract.id.not_in(final_done),
            )
            .order_by(Contract.id)
        )
    )
