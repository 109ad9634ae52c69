"""Settlement raced on PostgreSQL with 32 threads: a second run, a dispute, a cancellation —
one outcome, money moved once, the books balance; and raced by an RQ worker that takes each
job the moment it is pushed."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus
from app.errors import DomainError
from app.extensions import db
from app.jobs import StagedJob, run_inline_jobs, run_staged_job
from app.ledger.checks import ledger_problems
from app.outcomes.models import Settlement
from app.outcomes.settlement import settle_contract
from app.payments.disputes import open_dispute
from app.payments.models import Payout, PayoutStatus, Refund
from app.payments.refunds import cancel_contract
from tests.outcomes.support import click, later, order, outcome_deal

pytestmark = pytest.mark.postgres
THREADS = 32


def _race(app, actions) -> Counter:
    barrier = threading.Barrier(len(actions))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(action):
        with app.app_context():
            barrier.wait()
            try:
                done = action()
                result = "nothing due" if done is None else type(done).__name__
                db.session.commit()
                run_inline_jobs()
            except DomainError as error:
                db.session.rollback()
                result = type(error).__name__
            except Exception as error:  # a server error fails the test
                db.session.rollback()
                result = f"ERROR {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def _deal_with_orders(app, *, final: bool):
    """A contract with one counted order; ``at``: when the race settles it."""
    with app.app_context():
        emulator = app.extensions["stripe_emulator"]
        emulator.reset(keep_endpoints=True)
        deal = outcome_deal(app, emulator)
        contract = deal.contract
        human = click(deal.note, later(contract, hours=1))
        order(deal.brand, "R-1", 40_000, later(contract, hours=2), click_id=human)
        at = later(contract, days=30 if final else 7)
        ids = (deal.brand.id, deal.kol.id, contract.id, at)
        db.session.remove()
    return ids


def _count(app, model, contract_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).where(model.contract_id == contract_id)
        )


def _books(app) -> None:
    with app.app_context():
        assert ledger_problems() == []


@pytest.mark.parametrize("final", [False, True], ids=["weekly", "final"])
def test_32_simultaneous_settlements_settle_once(committing_app, final):
    app = committing_app
    _brand, _kol, contract_id, at = _deal_with_orders(app, final=final)
    outcomes = _race(app, [lambda: settle_contract(contract_id=contract_id, now=at)] * THREADS)
    print(f"settle x{THREADS}: {dict(outcomes)}")
    assert outcomes == Counter({"Settlement": 1, "nothing due": THREADS - 1})
    assert _count(app, Settlement, contract_id) == 1
    assert _count(app, Payout, contract_id) == 2  # the approval's and the settlement's
    assert _count(app, Refund, contract_id) == (1 if final else 0)
    emulator = app.extensions["stripe_emulator"]
    assert len(emulator.events("transfer.created")) == 2
    _books(app)


def test_settlement_racing_a_dispute_has_one_outcome(committing_app):
    app = committing_app
    _brand, kol_id, contract_id, at = _deal_with_orders(app, final=True)
    actions = [lambda: settle_contract(contract_id=contract_id, now=at)] * 16
    actions += [lambda: open_dispute(contract_id=contract_id, user_id=kol_id, reason="late")] * 16
    outcomes = _race(app, actions)
    print(f"settle x16 vs dispute x16: {dict(outcomes)}")
    assert not [k for k in outcomes if k.startswith("ERROR")]
    settlements = _count(app, Settlement, contract_id)
    with app.app_context():
        status = db.session.get(Contract, contract_id).status
    assert status == ContractStatus.DISPUTED  # a dispute always follows or wins
    # Either the settlement ran before the dispute (once: released and refunded the rest) or
    # the dispute came first and nothing was settled: the admin splits all that is held.
    assert settlements == outcomes["Settlement"] <= 1
    with app.app_context():
        print([(s.final, s.released, s.refunded) for s in db.session.scalars(select(Settlement))])
    assert _count(app, Refund, contract_id) == settlements
    _books(app)


def test_settlement_racing_a_cancellation_has_one_outcome(committing_app):
    app = committing_app
    brand_id, _kol, contract_id, at = _deal_with_orders(app, final=False)
    actions = [lambda: settle_contract(contract_id=contract_id, now=at)] * 16
    actions += [
        lambda: cancel_contract(contract_id=contract_id, actor_id=brand_id, reason="stop")
    ] * 16
    outcomes = _race(app, actions)
    print(f"settle x16 vs cancel x16: {dict(outcomes)}")
    # A released contract cannot be cancelled: every cancellation is refused, one settles.
    assert outcomes == Counter({"Settlement": 1, "nothing due": 15, "Conflict": 16})
    assert _count(app, Refund, contract_id) == 0
    assert _count(app, Settlement, contract_id) == 1
    _books(app)


def _instant_worker(app, errors: list[str]):
    """``push_to_queue`` as an idle RQ worker answers it: the job runs at once, in its own
    process's connection (here a thread's), before the pushing code goes on."""

    def push(job_id: int) -> bool:
        def work() -> None:
            with app.app_context():
                try:
                    run_staged_job(job_id)
                except Exception as error:  # RQ would retry it; the test fails
                    errors.append(f"job {job_id}: {type(error).__name__}: {error}")

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(60)
        return True

    return push


def test_a_final_settlements_transfer_is_paid_by_its_own_job(committing_app, monkeypatch):
    """With Redis, the final settlement's transfer job is pushed once the settlement commits:
    a worker that takes it at once finds the payout to claim and pays it, with no jobs sweep.
    (It was pushed when the refund's ledger entry released its SAVEPOINT, before the commit:
    the worker found no job row, and the payout waited staged for the sweep.)"""
    app = committing_app
    _brand, _kol, contract_id, at = _deal_with_orders(app, final=True)
    errors: list[str] = []
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setattr("app.jobs.push_to_queue", _instant_worker(app, errors))
    with app.app_context():
        settlement = settle_contract(contract_id=contract_id, now=at)
        assert settlement.final and settlement.released and settlement.refunded
        refund_id = settlement.refund_id
        db.session.commit()
    assert errors == []
    with app.app_context():
        payout = db.session.scalar(
            select(Payout).where(Payout.contract_id == contract_id, Payout.stage == "outcome1")
        )
        assert payout.status == PayoutStatus.PAID
        transfers = app.extensions["stripe_emulator"].events("transfer.created")
        paying = [e for e in transfers if e["data"]["object"]["id"] == payout.transfer_id]
        assert [e["data"]["object"]["amount"] for e in paying] == [payout.amount]
        left = select(StagedJob.name).where(StagedJob.status != "done")
        assert db.session.scalars(left).all() == []  # nothing waits for the sweep
        assert db.session.get(Refund, refund_id).status == "succeeded"
    _books(app)
