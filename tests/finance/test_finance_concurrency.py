"""Races on PostgreSQL: one reconciliation run per period, one transfer per payout."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.contracts.lifecycle import mark_submitted
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.finance import reconcile, services
from app.finance.models import ReconciliationRun
from app.jobs import run_inline_jobs
from app.payments.approvals import approve_contract
from app.payments.models import Payout, PayoutStatus
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.money_support import fund, onboard

pytestmark = pytest.mark.postgres
THREADS = 8


def _race(app, action) -> Counter:
    barrier = threading.Barrier(THREADS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run():
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                result = "ok"
            except DomainError as error:
                db.session.rollback()
                result = type(error).__name__
            except Exception as error:
                db.session.rollback()
                result = f"ERROR {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_runs_for_the_same_period_never_run_at_once(committing_app):
    app = committing_app
    with app.app_context():
        finance_id = make_user("finance").id
        db.session.remove()
    today = utcnow().date()

    outcomes = _race(
        app,
        lambda: reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=finance_id),
    )

    assert outcomes == Counter({"ok": 1, "Conflict": THREADS - 1})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1


def test_concurrent_retries_of_a_failed_payout_transfer_once(committing_app):
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    with app.app_context():
        emulator.reset(keep_endpoints=True)
        brand, kol, finance = make_user("brand"), make_kol(verified=True), make_user("finance")
        contract = make_contract(make_bid(make_campaign(brand), kol))
        onboard(app, kol, emulator)
        fund(app, contract, brand, emulator)
        mark_submitted(contract_id=contract.id, by=kol.id)
        approve_contract(contract_id=contract.id, by=brand.id, reason="ok")
        db.session.commit()
        emulator.faults.fail_next(1, status=400)
        run_inline_jobs()
        payout_id = db.session.scalar(select(Payout.id).where(Payout.contract_id == contract.id))
        assert db.session.get(Payout, payout_id).status == PayoutStatus.FAILED
        finance_id = finance.id
        db.session.remove()

    def retry():
        services.retry_failed_payout(payout_id=payout_id, actor_id=finance_id)
        db.session.commit()
        run_inline_jobs()

    outcomes = _race(app, retry)

    assert outcomes == Counter({"ok": 1, "Conflict": THREADS - 1})
    transfers = [
        o
        for o in emulator.store.objects.values()
        if o.get("object") == "transfer" and o["metadata"].get("payout_id") == str(payout_id)
    ]
    assert len(transfers) == 1
    with app.app_context():
        assert db.session.get(Payout, payout_id).status == PayoutStatus.PAID
