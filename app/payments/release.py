"""Releasing held money to KOLs: a stage's payout (on approval, after keep-live, on a dispute)
and its transfer. What triggers the stages — approvals, keep-live ending — is
app/payments/approvals.py."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.contracts.deliverables import deliverables_of, fee_parts
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict
from app.extensions import db
from app.failpoints import failpoint
from app.jobs import job, stage_job
from app.ledger.services import CASH, HELD, PAYABLE, REVENUE, Leg, balance, post_entry
from app.money import fee_for
from app.notifications.messages import money
from app.paperwork.taxinfo import has_tax_details
from app.payments import gateway
from app.payments.models import ConnectAccount, Funding, Payout, PayoutStatus
from app.payments.stripe_errors import attempt_key, key_is_spent, refused
from app.status import move, sources

S = ContractStatus


def approval_stage(position: int) -> str:
    """The payout stage of a deliverable's approval: "approval" for the first (as single-note
    deals always had), "approval_<n>" for the others. One payout per stage (a unique key)."""
    return "approval" if position == 1 else f"approval_{position}"


def _parts(contract: Contract) -> list[tuple[int, int, int]]:
    """(price, brand fee, KOL fee) of each deliverable, in order: the shares and the fees split
    like them (app/contracts/deliverables.py)."""
    shares = [part.share for part in deliverables_of(contract.id)] or [contract.price]
    return list(
        zip(
            shares,
            fee_parts(contract.brand_fee, shares),
            fee_parts(contract.kol_fee, shares),
            strict=True,
        )
    )


def stage_amounts(contract: Contract, stage: str, position: int = 1) -> tuple[int, int, int]:
    """(price part, brand fee part, KOL fee part) released at ``stage``: on approval, the
    RELEASE_ON_APPROVAL_BPS share of the deliverable at ``position``; after keep-live, what
    the approvals of all deliverables left."""
    bps = current_app.config["RELEASE_ON_APPROVAL_BPS"]
    firsts = [tuple(fee_for(amount, bps) for amount in part) for part in _parts(contract)]
    if stage == "approval":
        return firsts[position - 1]
    totals = (contract.price, contract.brand_fee, contract.kol_fee)
    return tuple(total - sum(first[i] for first in firsts) for i, total in enumerate(totals))


def _create_payout(
    *, contract: Contract, stage: str, held_part: int, kol_amount: int, charge_id: str | None
) -> Payout | None:
    """Claim: held → payable (and fees → revenue) in one entry, and a payout to pay it."""
    if held_part <= 0:
        return None
    existing = db.session.scalar(
        select(Payout).where(Payout.contract_id == contract.id, Payout.stage == stage)
    )
    if existing is not None:
        return existing
    ready = payout_account(contract.kol_id) is not None
    payout = Payout(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        stage=stage,
        amount=kol_amount,
        currency=contract.currency,
        source_charge_id=charge_id,
        status=PayoutStatus.STAGED if ready else PayoutStatus.WAITING_ONBOARDING,
    )
    db.session.add(payout)
    db.session.flush()
    post_entry(
        key=f"release:{payout.id}",
        kind="release",
        currency=contract.currency,
        contract_id=contract.id,
        legs=[
            Leg(HELD, held_part, contract_id=contract.id),
            Leg(PAYABLE, -kol_amount, user_id=contract.kol_id),
            Leg(REVENUE, -(held_part - kol_amount)),
        ],
        memo=f"Released to KOL ({stage})",
    )
    if ready:
        stage_job("payments.transfer", payout_id=payout.id)
    elif _only_tax_details_missing(contract.kol_id):
        wait_for_onboarding(payout)  # says why, and asks the KOL for their tax details
    return payout


def _only_tax_details_missing(kol_id: int) -> bool:
    account = db.session.get(ConnectAccount, kol_id)
    return account is not None and account.transfers_active and not has_tax_details(kol_id)


def funding_charge_id(contract_id: int) -> str | None:
    return db.session.scalar(
        select(Funding.charge_id)
        .where(Funding.contract_id == contract_id, Funding.status == "paid")
        .order_by(Funding.id)  # the payment that funded it (a second one is refunded)
        .limit(1)
    )


def release_stage(contract: Contract, stage: str, position: int = 1) -> Payout | None:
    price_part, brand_part, kol_part = stage_amounts(contract, stage, position)
    held = balance(HELD, contract.currency, contract_id=contract.id)
    held_part = min(held, price_part + brand_part)
    return _create_payout(
        contract=contract,
        stage=approval_stage(position) if stage == "approval" else stage,
        held_part=held_part,
        kol_amount=price_part - kol_part,
        charge_id=funding_charge_id(contract.id),
    )


def release_split(*, contract: Contract, amount: int, charge_id: str) -> Payout | None:
    """A dispute's KOL part: our KOL fee applies to what is released."""
    kol_fee = fee_for(amount, current_app.config["KOL_FEE_BPS"])
    return _create_payout(
        contract=contract,
        stage="dispute",
        held_part=amount,
        kol_amount=amount - kol_fee,
        charge_id=charge_id,
    )


@job("payments.transfer")
def run_transfer(payout_id: int) -> None:
    """Claim (CAS), call Stripe with ``payout-<id>`` as the key, record. Never pays twice."""
    claimed = db.session.execute(
        Payout.__table__.update()
        .where(
            Payout.id == payout_id,
            Payout.status.in_(sources(Payout.TRANSITIONS, PayoutStatus.PROCESSING)),
        )
        .values(status=PayoutStatus.PROCESSING.value, attempts=Payout.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # paid, on hold, or waiting for onboarding
    payout = db.session.get(Payout, payout_id)
    contract = db.session.get(Contract, payout.contract_id)
    if contract.status == S.FROZEN:
        payout.hold_reason = FROZEN
        move(payout, PayoutStatus.ON_HOLD, by=None, reason=payout.hold_reason)
        db.session.commit()
        return
    account = payout_account(payout.kol_id)
    if account is None:  # never onboarded, or the account was removed or restricted
        wait_for_onboarding(payout)
        db.session.commit()
        return
    key = payout.idempotency_key
    request = dict(
        payout_id=payout.id,
        key=attempt_key(key, payout.key_generation),
        amount=payout.amount,
        currency=payout.currency,
        destination=account.stripe_account_id,
        contract_id=payout.contract_id,
        source_charge_id=payout.source_charge_id,
    )
    # Any run after the first (a retry, a re-run after a crash) first asks Stripe for a
    # transfer it made for this payout: a key Stripe pruned (24 h) or a new key after a 5xx
    # can then never pay twice.
    ask_first = payout.attempts > 1
    # No transaction stays open while Stripe works (its webhooks may write meanwhile).
    db.session.commit()
    try:
        found = None
        if ask_first:
            found = gateway.find_transfer(contract_id=request["contract_id"], payout_id=payout_id)
        transfer = found or gateway.create_transfer(**request)
    except gateway.StripeError as error:
        payout = db.session.get(Payout, payout_id)
        payout.last_error = str(error)[:2000]
        if refused(error):
            # Stripe refused: finance decides.
            move(payout, PayoutStatus.FAILED, by=None, reason="refused by Stripe")
            _tell_failed(payout)
            db.session.commit()
            return
        if key_is_spent(error):
            payout.key_generation += 1
        db.session.commit()
        raise  # unknown outcome: retried; a lost answer is replayed under the same key
    failpoint("after_transfer_call")  # fault tests: die after Stripe moved the money
    record_transfer(payout_id=payout_id, transfer_id=transfer["id"])


def record_transfer(*, payout_id: int, transfer_id: str) -> None:
    # Locked: a transfer.reversed webhook may book this transfer and its reversal meanwhile.
    payout = db.session.scalar(
        select(Payout)
        .where(Payout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    payout.transfer_id = transfer_id
    if payout.status not in (PayoutStatus.PAID, PayoutStatus.REVERSED):
        move(payout, PayoutStatus.PAID, by=None, reason=f"transfer {transfer_id}")
        _tell_paid(payout)  # once: a second record of the same transfer finds it paid
    payout.paid_at = payout.paid_at or utcnow()
    payout.last_error = None
    post_entry(
        key=f"transfer:{transfer_id}",
        kind="transfer",
        currency=payout.currency,
        contract_id=payout.contract_id,
        stripe_object_id=transfer_id,
        legs=[Leg(PAYABLE, payout.amount, user_id=payout.kol_id), Leg(CASH, -payout.amount)],
        memo=f"Transfer {transfer_id} to KOL",
    )


def _tell_paid(payout: Payout) -> None:
    from app.notifications.services import notify

    notify(
        user_id=payout.kol_id,
        kind="payout.paid",
        link="/earnings",
        contract=payout.contract_id,
        amount=money(payout.amount, payout.currency),
    )
    from app.webhooks.services import emit

    brand_id = db.session.scalar(select(Contract.brand_id).where(Contract.id == payout.contract_id))
    emit(
        brand_id=brand_id,
        event_type="payout.paid",
        key=f"payout:{payout.id}",
        data={"payout_id": payout.id, "contract_id": payout.contract_id,
              "amount": payout.amount, "currency": payout.currency},
    )  # fmt: skip


def _tell_failed(payout: Payout) -> None:
    """The KOL learns the money is late; finance, that a payout needs a decision."""
    from app.notifications.services import notify, notify_finance

    facts = {"contract": payout.contract_id, "amount": money(payout.amount, payout.currency)}
    notify(user_id=payout.kol_id, kind="payout.failed", link="/earnings", **facts)
    notify_finance(kind="payout.failed_finance", link="/finance/payouts", payout=payout.id, **facts)


def retry_payout(*, payout_id: int, actor_id: int | None = None) -> Payout:
    """Finance retries a failed or held payout: Stripe is asked first, so it never pays twice."""

    payout = db.session.scalar(select(Payout).where(Payout.id == payout_id).with_for_update())
    if payout is None or payout.status not in (PayoutStatus.FAILED, PayoutStatus.ON_HOLD):
        raise Conflict(_("Only a failed or held payout can be retried."))
    payout.hold_reason = None
    if payout_account(payout.kol_id) is None:
        wait_for_onboarding(payout, actor_id=actor_id)
        return payout
    move(payout, PayoutStatus.STAGED, by=actor_id, reason="retried")
    # Stripe keeps a refusal (or a 5xx) under the key it answered and would replay it: the
    # retry asks Stripe first (run_transfer), then sends a key of its own.
    payout.key_generation += 1
    stage_job("payments.transfer", payout_id=payout.id)
    return payout


def payout_account(kol_id: int) -> ConnectAccount | None:
    """The KOL's Connect account when it can receive transfers now and the KOL has given
    their tax details (needed before any payout), else None."""
    account = db.session.get(ConnectAccount, kol_id)
    if account is None or not account.transfers_active or not has_tax_details(kol_id):
        return None
    return account


# Why a payout waits, stored as codes and rendered for finance in their language
# (app/stored_text.py PAYOUT_PROBLEMS).
NO_PAYOUT_ACCOUNT = "no payout account"
NO_TAX_DETAILS = "no tax details"
FROZEN = "contract frozen (chargeback)"


def wait_for_onboarding(payout: Payout, *, actor_id: int | None = None) -> None:
    """The payout cannot go out: park it (account.updated, or the KOL's tax details, stage it
    again), say why for finance, and ask the KOL for what is missing."""
    from app.notifications.services import notify

    tax_missing = _only_tax_details_missing(payout.kol_id)
    told = payout.status == PayoutStatus.WAITING_ONBOARDING and payout.last_error == NO_TAX_DETAILS
    payout.last_error = NO_TAX_DETAILS if tax_missing else NO_PAYOUT_ACCOUNT
    if told and tax_missing:
        return  # a repeated account.updated: the KOL was asked already
    if payout.status != PayoutStatus.WAITING_ONBOARDING:
        move(payout, PayoutStatus.WAITING_ONBOARDING, by=actor_id, reason=payout.last_error)
    notify(
        user_id=payout.kol_id,
        kind="payout.tax_details" if tax_missing else "payout.onboarding",
        link="/settings/tax" if tax_missing else "/settings/payouts",
        amount=money(payout.amount, payout.currency),
    )


def release_waiting_payouts(*, kol_id: int) -> int:
    """The KOL can now receive transfers: stage every payout that waited for onboarding."""
    payouts = db.session.scalars(
        select(Payout).where(
            Payout.kol_id == kol_id, Payout.status == PayoutStatus.WAITING_ONBOARDING
        )
    ).all()
    if payouts and payout_account(kol_id) is None:
        for payout in payouts:  # Stripe is ready, the tax details are not: the KOL is asked
            wait_for_onboarding(payout)
        return 0
    for payout in payouts:
        payout.last_error = None
        move(payout, PayoutStatus.STAGED, by=None, reason="payout account ready")
        stage_job("payments.transfer", payout_id=payout.id)
    return len(payouts)
