"""Every status that moves money moves along its table: a legal move is made and recorded, an
illegal one raises and writes nothing; compare-and-set claims take only legal from-states; the
keep-live refund is decided by the typed breach fact."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.contracts import lifecycle
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict, IllegalTransition
from app.extensions import db
from app.finance.models import PeriodStatus, ReconciliationPeriod, ReconciliationRun, RunStatus
from app.ledger.services import LedgerError
from app.payments import approvals, chargebacks, refunds, release
from app.payments.models import (
    Chargeback,
    DisputeStatus,
    Funding,
    FundingStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
)
from app.periodic import run_ticks
from app.status import StatusChange, history, move, sources
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.notes.support import live_note
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard


def _contract() -> Contract:
    return make_contract(make_bid(make_campaign(make_user("brand")), make_kol(verified=True)))


def _payout(contract: Contract, status: PayoutStatus) -> Payout:
    payout = Payout(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        stage="approval",
        amount=1_000,
        currency="usd",
        status=status,
    )
    db.session.add(payout)
    db.session.flush()
    return payout


def _refund(contract: Contract, status: RefundStatus) -> Refund:
    refund = Refund(
        contract_id=contract.id,
        amount=1_000,
        currency="usd",
        reason_code="cancellation",
        charge_id="ch_test",
        status=status.value,
    )
    db.session.add(refund)
    db.session.flush()
    return refund


def _changes(obj) -> list[tuple[str | None, str]]:
    return [(c.from_status, c.to_status) for c in history(obj.STATUS_ENTITY, obj.id)]


def test_a_payout_moves_along_its_table_and_the_move_is_recorded(app):
    payout = _payout(_contract(), PayoutStatus.FAILED)
    move(payout, PayoutStatus.STAGED, by=None, reason="retried")
    assert payout.status == PayoutStatus.STAGED
    assert _changes(payout) == [("failed", "staged")]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (PayoutStatus.PAID, PayoutStatus.STAGED),  # paid twice
        (PayoutStatus.REVERSED, PayoutStatus.PAID),
        (PayoutStatus.STAGED, PayoutStatus.FAILED),  # only Stripe's refusal fails a payout
    ],
)
def test_an_illegal_payout_move_raises_and_writes_nothing(app, start, target):
    payout = _payout(_contract(), start)
    with pytest.raises(IllegalTransition):
        move(payout, target, by=None)
    assert payout.status == start and _changes(payout) == []


def test_the_transfer_job_claims_only_a_payout_its_table_lets_it_claim(app, stripe_emulator):
    assert set(sources(Payout.TRANSITIONS, PayoutStatus.PROCESSING)) == {"staged", "processing"}
    payout = _payout(_contract(), PayoutStatus.ON_HOLD)
    db.session.commit()
    release.run_transfer(payout.id)
    db.session.expire_all()
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.ON_HOLD and payout.attempts == 0
    assert list(stripe_emulator.store.newest_first("transfer", None)) == []


def test_a_funding_is_paid_once_and_a_paid_one_never_expires(app):
    funding = Funding(contract_id=_contract().id, amount=52_500, currency="usd")
    db.session.add(funding)
    db.session.flush()
    # Stripe's word that the brand paid wins over our early "expired".
    move(funding, FundingStatus.EXPIRED, by=None)
    move(funding, FundingStatus.PAID, by=None)
    assert _changes(funding) == [("open", "expired"), ("expired", "paid")]
    for target in (FundingStatus.EXPIRED, FundingStatus.OPEN, FundingStatus.PAID):
        with pytest.raises(IllegalTransition):
            move(funding, target, by=None)
    assert funding.status == FundingStatus.PAID


def test_the_database_refuses_a_status_outside_the_enum(app):
    contract = _contract()
    funding = Funding(contract_id=contract.id, amount=1, currency="usd", status="refunded")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(funding)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(ReconciliationPeriod(starts_at=utcnow(), ends_at=utcnow(), status="x"))


def test_a_refund_moves_only_along_its_table(app):
    refund = _refund(_contract(), RefundStatus.PENDING)
    refunds.move_refund(refund, RefundStatus.SUCCEEDED)
    assert refund.status == "succeeded"
    with pytest.raises(LedgerError):
        refunds.move_refund(refund, RefundStatus.PENDING)  # money already left: never "pending"
    assert refund.status == "succeeded"
    assert _changes(refund) == [("pending", "succeeded")]


def test_refund_claims_take_only_legal_from_states(app, stripe_emulator):
    contract = _contract()
    done = _refund(contract, RefundStatus.SUCCEEDED)
    db.session.commit()
    refunds.run_refund(done.id)  # a stray re-run of a finished refund: no second refund
    assert db.session.get(Refund, done.id).status == "succeeded"
    assert db.session.get(Refund, done.id).attempts == 0
    with pytest.raises(Conflict):
        refunds.retry_refund(refund_id=done.id, actor_id=make_user("finance").id)
    assert db.session.get(Refund, done.id).status == "succeeded"


def _dispute(status: str) -> dict:
    return {
        "id": "du_table",
        "charge": "ch_unknown",
        "amount": 52_500,
        "currency": "usd",
        "status": status,
        "balance_transactions": [],
    }


def test_a_chargeback_follows_stripes_moves_and_ignores_older_events(app):
    chargebacks.record_chargeback(dispute=_dispute("needs_response"))
    chargebacks.record_chargeback(dispute=_dispute("under_review"))
    chargebacks.record_chargeback(dispute=_dispute("won"))
    chargebacks.record_chargeback(dispute=_dispute("needs_response"))  # a late "created"
    chargeback = db.session.scalar(
        select(Chargeback).where(Chargeback.stripe_dispute_id == "du_table")
    )
    assert chargeback.status == DisputeStatus.WON
    assert _changes(chargeback) == [
        ("needs_response", "under_review"),
        ("under_review", "won"),
    ]
    with pytest.raises(IllegalTransition):
        move(chargeback, DisputeStatus.LOST, by=None)


def test_reconciliation_runs_and_periods_move_along_their_tables(app):
    now = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    period = ReconciliationPeriod(starts_at=now - timedelta(days=1), ends_at=now)
    db.session.add(period)
    db.session.flush()
    run = ReconciliationRun(period_id=period.id)
    db.session.add(run)
    db.session.flush()
    with pytest.raises(IllegalTransition):
        move(run, RunStatus.DONE, by=None)  # a run is done only after it ran
    move(run, RunStatus.RUNNING, by=None)
    move(run, RunStatus.DONE, by=None)
    with pytest.raises(IllegalTransition):
        move(run, RunStatus.RUNNING, by=None)  # a finished run is never started over
    move(period, PeriodStatus.CLOSED, by=None)
    with pytest.raises(IllegalTransition):
        move(period, PeriodStatus.OPEN, by=None)  # a closed period never reopens
    assert (run.status, period.status) == (RunStatus.DONE, PeriodStatus.CLOSED)


def _approved_and_published(app, stripe_emulator) -> Contract:
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol))
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    lifecycle.mark_submitted(contract_id=contract.id, by=kol.id)
    approvals.approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    live_note(contract)
    return contract


def _end_keep_live() -> None:
    run_ticks(utcnow() + timedelta(days=31))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()


def test_a_recorded_breach_refunds_the_held_share_even_if_the_note_is_back(app, stripe_emulator):
    contract = _approved_and_published(app, stripe_emulator)
    lifecycle.record_keep_live_breach(contract.id, by=contract.kol_id)
    db.session.commit()  # the note is live again at the end (republished): the breach stands
    _end_keep_live()
    assert db.session.get(Contract, contract.id).keep_live_breached_at is not None
    stages = db.session.scalars(select(Payout.stage).where(Payout.contract_id == contract.id))
    assert list(stages) == ["approval"]
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    assert refund.reason_code == "takedown"


def test_history_text_alone_decides_no_refund(app, stripe_emulator):
    """A history row that merely reads like a breach (its reason is text for people) moves
    no money: the held share is released to the KOL."""
    contract = _approved_and_published(app, stripe_emulator)
    db.session.add(
        StatusChange(
            entity="contract",
            entity_id=contract.id,
            from_status="released",
            to_status="released",
            reason=lifecycle.KEEP_LIVE_BREACH,
        )
    )
    db.session.commit()
    _end_keep_live()
    assert db.session.get(Contract, contract.id).status == ContractStatus.COMPLETED
    stages = db.session.scalars(select(Payout.stage).where(Payout.contract_id == contract.id))
    assert sorted(stages) == ["approval", "keep_live"]
    assert db.session.scalar(select(Refund).where(Refund.contract_id == contract.id)) is None


def test_no_signal_sits_on_the_money_path():
    """Money moves by calls a reader can follow: no publish/subscribe hop in the features that
    move it. (Finance only receives app.audit's signal, which records an action in its log and
    decides nothing.)"""
    root = Path(__file__).resolve().parents[2] / "app"
    money = ["contracts", "notes", "payments", "ledger"]
    found = [
        str(path.relative_to(root))
        for feature in money
        for path in (root / feature).rglob("*.py")
        if "blinker" in path.read_text() or ".connect\n" in path.read_text()
    ]
    assert found == []
