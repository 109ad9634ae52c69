"""A refund Stripe refuses (4xx) fails for good, as a payout does: no retry storm, the money
stays booked as owed to the brand (refunds in flight), finance is told; a 5xx is retried."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.jobs import StagedJob
from app.ledger.services import REFUNDS, balance
from app.notifications.models import Notification
from app.payments.models import Refund
from app.payments.refunds import cancel_contract
from tests.factories import make_user
from tests.hardening.money.deals import funded, parties
from tests.hardening.money.support import emulator_objects
from tests.payments.conftest import drain_jobs

pytestmark = pytest.mark.usefixtures("books_balance")


def _cancelled_with_refund(app, emulator):
    brand, kol = parties(app, emulator, onboarded=False)
    contract = funded(app, emulator, brand, kol)
    drain_jobs()  # the funding's own jobs (fee booking) run before the fault is armed
    cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="changed plans")
    db.session.commit()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    return contract, refund


@pytest.mark.parametrize("status", [400, 402])
def test_refund_refused_by_stripe_fails_for_good_and_tells_finance(app, stripe_emulator, status):
    finance = make_user("finance")
    assert finance.role == Role.FINANCE
    contract, refund = _cancelled_with_refund(app, stripe_emulator)
    stripe_emulator.faults.fail_next(1, status=status)
    drain_jobs()
    drain_jobs()  # a second pass (the sweeper, a duplicate delivery) calls Stripe no more
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "failed" and refund.last_error and refund.attempts == 1
    assert emulator_objects(stripe_emulator, "refund", contract_id=contract.id) == []
    staged = db.session.scalars(select(StagedJob).where(StagedJob.status == "staged")).all()
    assert staged == []  # nothing left to retry forever
    # No money moved: the amount is still owed to the brand, in flight, for finance to settle.
    assert balance(REFUNDS, contract.currency, contract_id=contract.id) == refund.amount
    told = db.session.scalars(
        select(Notification).where(
            Notification.user_id == finance.id, Notification.kind == "refund_failed"
        )
    ).all()
    assert len(told) == 1 and f"#{contract.id}" in told[0].text


def test_refund_with_a_server_error_is_retried_and_refunds_once(app, stripe_emulator):
    contract, refund = _cancelled_with_refund(app, stripe_emulator)
    stripe_emulator.faults.fail_next(1, status=500)
    drain_jobs()
    drain_jobs()
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    refunds = emulator_objects(stripe_emulator, "refund", contract_id=contract.id)
    assert [r["id"] for r in refunds] == [refund.stripe_refund_id]
    assert sum(r["amount"] for r in refunds) == refund.amount
