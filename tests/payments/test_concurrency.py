"""Money actions raced on PostgreSQL: exactly one side effect, whatever the interleaving."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus
from app.errors import DomainError
from app.extensions import db
from app.jobs import run_inline_jobs
from app.ledger.checks import ledger_problems
from app.payments.approvals import approve_contract
from app.payments.disputes import open_dispute
from app.payments.models import Payout, Refund
from app.payments.refunds import cancel_contract
from tests.factories import make_deal

pytestmark = pytest.mark.postgres
THREADS = 32


def _race(app, actions) -> Counter:
    """Start every action at once, each in its own app context and session."""
    barrier = threading.Barrier(len(actions))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(action):
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                run_inline_jobs()
                result = "ok"
            except DomainError as error:
                db.session.rollback()
                result = type(error).__name__
            except Exception as error:  # a server error would be a failure of the test
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
        thread.join(60)
    return outcomes


def _funded_deal(app, emulator, *, submitted: bool):
    with app.app_context():
        emulator.reset(keep_endpoints=True)
        stage = "submitted" if submitted else "funded"
        deal = make_deal(stage, app=app, emulator=emulator, onboarded=True)
        ids = (deal.brand.id, deal.kol.id, deal.contract.id)
        db.session.remove()
    return ids


def _count(app, model, contract_id):
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).where(model.contract_id == contract_id)
        )


def _assert_books(app):
    with app.app_context():
        assert ledger_problems() == []


def test_32_simultaneous_approvals_make_one_transfer(committing_app):
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    brand_id, _kol_id, contract_id = _funded_deal(app, emulator, submitted=True)
    outcomes = _race(
        app,
        [lambda: approve_contract(contract_id=contract_id, by=brand_id, reason="approved")]
        * THREADS,
    )
    print(f"approve x{THREADS}: {dict(outcomes)}")
    assert outcomes["ok"] == 1 and outcomes["IllegalTransition"] == THREADS - 1
    assert _count(app, Payout, contract_id) == 1
    transfers = [e for e in emulator.events("transfer.created")]
    assert len(transfers) == 1
    _assert_books(app)


def test_32_simultaneous_cancellations_make_one_refund(committing_app):
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    brand_id, _kol_id, contract_id = _funded_deal(app, emulator, submitted=False)
    outcomes = _race(
        app,
        [lambda: cancel_contract(contract_id=contract_id, actor_id=brand_id, reason="stop")]
        * THREADS,
    )
    print(f"cancel x{THREADS}: {dict(outcomes)}")
    assert outcomes["ok"] == 1 and outcomes["Conflict"] == THREADS - 1
    assert _count(app, Refund, contract_id) == 1
    assert len(emulator.events("charge.refunded")) == 1
    _assert_books(app)


def test_approve_against_dispute_never_both(committing_app):
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    brand_id, kol_id, contract_id = _funded_deal(app, emulator, submitted=True)
    actions = [lambda: approve_contract(contract_id=contract_id, by=brand_id, reason="ok")] * 16
    actions += [lambda: open_dispute(contract_id=contract_id, user_id=kol_id, reason="late")] * 16
    outcomes = _race(app, actions)
    print(f"approve x16 vs dispute x16: {dict(outcomes)}")
    assert not [k for k in outcomes if k.startswith("ERROR")]
    with app.app_context():
        status = db.session.get(Contract, contract_id).status
    payouts = _count(app, Payout, contract_id)
    # Either the approval won (released, one payout) or a dispute won before it (no payout);
    # a dispute may also follow a won approval, but money never moves twice.
    assert payouts <= 1
    assert status in (ContractStatus.RELEASED, ContractStatus.DISPUTED)
    assert len(emulator.events("transfer.created")) == payouts
    _assert_books(app)
