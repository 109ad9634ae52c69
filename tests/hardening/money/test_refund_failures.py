"""A refund Stripe refuses (4xx) fails for good, as a payout does: no retry storm, the money
stays booked as owed to the brand (refunds in flight), finance is told; a 5xx is retried.
Finance's retry sends a new idempotency key (Stripe would replay the refusal for the old one)
and first looks for a refund Stripe made for ours after all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.errors import Conflict
from app.extensions import db
from app.finance.services import retry_failed_refund
from app.jobs import StagedJob
from app.ledger.services import REFUNDS, balance
from app.notifications.models import Notification
from app.payments import gateway
from app.payments.models import Refund, RefundAttempt
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
    assert len(told) == 1 and f"#{contract.id}" in told[0].message


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


def _failed_refund(app, emulator):
    contract, refund = _cancelled_with_refund(app, emulator)
    emulator.faults.fail_next(1, status=400)
    drain_jobs()
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "failed" and refund.failed_at is not None
    return contract, refund


def _spy_on_refund_keys(monkeypatch) -> list[str]:
    sent: list[str] = []
    real = gateway.create_refund

    def create_refund(**request):
        sent.append(f"refund-{request['refund_id']}-{request['key']}")  # as the gateway sends it
        return real(**request)

    monkeypatch.setattr(gateway, "create_refund", create_refund)
    return sent


def test_finance_retries_a_failed_refund_under_a_new_key_and_refunds_once(
    app, stripe_emulator, monkeypatch
):
    finance = make_user("finance")
    sent = _spy_on_refund_keys(monkeypatch)
    contract, refund = _failed_refund(app, stripe_emulator)
    failed_key = sent[-1]

    attempt = retry_failed_refund(refund_id=refund.id, actor_id=finance.id, reason="card fixed")
    db.session.commit()
    drain_jobs()
    drain_jobs()
    db.session.expire_all()

    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    assert sent[-1] != failed_key and sent[-1] == f"refund-{refund.id}-retry{attempt.id}-" + (
        attempt.idempotency_key
    )
    refunds = emulator_objects(stripe_emulator, "refund", contract_id=contract.id)
    assert [r["id"] for r in refunds] == [refund.stripe_refund_id]
    assert balance(REFUNDS, contract.currency, contract_id=contract.id) == 0
    assert db.session.get(RefundAttempt, attempt.id).outcome == "succeeded"
    with pytest.raises(Conflict):  # succeeded: nothing left to retry
        retry_failed_refund(refund_id=refund.id, actor_id=finance.id)


def test_a_retry_that_stripe_refuses_again_fails_again_and_tells_finance(app, stripe_emulator):
    finance = make_user("finance")
    contract, refund = _failed_refund(app, stripe_emulator)
    stripe_emulator.create_dispute(refund.charge_id)  # a charged-back charge cannot be refunded
    attempt = retry_failed_refund(refund_id=refund.id, actor_id=finance.id)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "failed" and "charged back" in refund.last_error
    assert db.session.get(RefundAttempt, attempt.id).outcome == "failed"
    assert emulator_objects(stripe_emulator, "refund", contract_id=contract.id) == []
    told = db.session.scalars(
        select(Notification).where(
            Notification.user_id == finance.id, Notification.kind == "refund_failed"
        )
    ).all()
    assert len(told) == 2  # the first failure and the retry's
    assert balance(REFUNDS, contract.currency, contract_id=contract.id) == refund.amount


def test_a_retry_records_a_refund_stripe_made_after_all_instead_of_refunding_twice(
    app, stripe_emulator
):
    """A refusal we were told about in error: Stripe holds a refund for ours already."""
    finance = make_user("finance")
    contract, refund = _failed_refund(app, stripe_emulator)
    made = gateway.client().v1.refunds.create(
        {
            "charge": refund.charge_id,
            "amount": refund.amount,
            "metadata": {"contract_id": str(contract.id), "refund_id": str(refund.id)},
        }
    )
    retry_failed_refund(refund_id=refund.id, actor_id=finance.id)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded" and refund.stripe_refund_id == made.id
    refunds = emulator_objects(stripe_emulator, "refund", contract_id=contract.id)
    assert [r["id"] for r in refunds] == [made.id]
