"""Invoice numbers under 32 fundings recorded at once on PostgreSQL: 1..32, no gap, no repeat,
even when some of the transactions roll back after taking a number."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.jobs import run_inline_jobs
from app.paperwork.models import Invoice
from app.payments.funding import record_payment
from app.payments.models import Funding
from tests.factories import make_contract
from tests.payments.money_support import fund

pytestmark = pytest.mark.postgres
THREADS = 32


class Rolled(Exception):
    pass


def _paid_but_unrecorded(app, emulator) -> list[tuple[int, str]]:
    """32 contracts paid on Checkout while Stripe's webhooks are held: (funding, intent)."""
    with app.app_context():
        emulator.reset(keep_endpoints=True)
        emulator.hold_webhooks(True)
        pairs = []
        for _ in range(THREADS):
            limiter.reset()  # 32 sign-ins from one address
            contract = make_contract()
            session_id = fund(app, contract, _brand(contract), emulator)
            funding = db.session.scalar(select(Funding).where(Funding.contract_id == contract.id))
            pairs.append((funding.id, emulator.get(session_id)["payment_intent"]))
        db.session.remove()
    return pairs


def _brand(contract):
    from app.auth.models import User

    return db.session.get(User, contract.brand_id)


def _race(app, pairs, *, roll_back: set[int]) -> list[str]:
    barrier = threading.Barrier(len(pairs))
    errors: list[str] = []

    def run(index: int, funding_id: int, intent_id: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                record_payment(funding_id=funding_id, payment_intent_id=intent_id)
                if index in roll_back:
                    raise Rolled  # the number was taken, then the transaction failed
                db.session.commit()
                run_inline_jobs()
            except Rolled:
                db.session.rollback()
            except Exception as error:  # reported by the test
                db.session.rollback()
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *pair)) for i, pair in enumerate(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_32_simultaneous_fundings_get_invoice_numbers_1_to_32(committing_app):
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    try:
        pairs = _paid_but_unrecorded(app, emulator)
        rolled = {3, 11, 20, 27}
        assert _race(app, pairs, roll_back=rolled) == []
        with app.app_context():
            numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.number)).all()
        assert numbers == list(range(1, THREADS - len(rolled) + 1))  # rollbacks left no gap
        # The four fundings whose recording failed are recorded again (Stripe's retried
        # webhook): they take the next numbers, still without a gap.
        assert _race(app, [pairs[i] for i in sorted(rolled)], roll_back=set()) == []
        with app.app_context():
            rows = db.session.execute(select(Invoice.number, Invoice.funding_id)).all()
        assert sorted(n for n, _f in rows) == list(range(1, THREADS + 1))
        assert len({f for _n, f in rows}) == THREADS  # one invoice per funding
    finally:
        emulator.hold_webhooks(False)
