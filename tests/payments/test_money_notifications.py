"""Money events tell the people they concern, each in their own language, once per change:
funding, cancellation, disputes, payouts (paid, failed, reversed) and refunds (made, failed).
Here the brand reads Chinese and the KOL English, or the other way round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contracts.lifecycle import mark_submitted
from app.db_types import utcnow
from app.extensions import db
from app.payments import gateway
from app.payments.approvals import approve_contract
from app.payments.disputes import open_dispute, resolve_dispute
from app.payments.funding import expire_unfunded_contracts
from app.payments.models import Payout, PayoutStatus, Refund
from app.payments.refunds import cancel_contract
from app.payments.release import retry_payout
from tests.conftest import post_form, sign_in
from tests.factories import make_deal, make_user
from tests.notifications.support import mailed_in, speaks, told
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _deal(app, emulator, *, brand_locale="zh_Hans", kol_locale="en", onboarded=False):
    deal = make_deal()
    speaks(deal.brand, brand_locale)
    speaks(deal.kol, kol_locale)
    if onboarded:
        onboard(app, deal.kol, emulator)
    return deal


def _approved(app, deal, emulator):
    """Funded, submitted and approved: the first share is released (paid by a job)."""
    fund(app, deal.contract, deal.brand, emulator)
    drain_jobs()
    mark_submitted(contract_id=deal.contract.id, by=deal.kol.id)
    approve_contract(contract_id=deal.contract.id, by=deal.brand.id, reason="approved")
    db.session.commit()


def test_funding_tells_the_kol_to_start_and_the_brand_its_payment_went_through(
    app, stripe_emulator
):
    deal = _deal(app, stripe_emulator)
    contract_id = deal.contract.id
    fund(app, deal.contract, deal.brand, stripe_emulator)
    drain_jobs()
    drain_jobs()  # a second delivery of the payment's events tells nobody again
    [kol_note] = told(deal.kol, "contract.funded")
    [brand_note] = told(deal.brand, "contract.paid")
    assert kol_note.link == brand_note.link == f"/contracts/{contract_id}"
    mailed_in(deal.kol, "en", f"Contract #{contract_id}", "is funded")
    mailed_in(deal.brand, "zh_Hans", f"#{contract_id}", "$525.00")


def test_a_cancellation_tells_the_other_side_and_the_brand_its_refund(app, stripe_emulator):
    deal = _deal(app, stripe_emulator)
    fund(app, deal.contract, deal.brand, stripe_emulator)
    drain_jobs()
    client = sign_in(app.test_client(), deal.brand)
    page = f"/contracts/{deal.contract.id}"
    post_form(client, f"{page}/cancel", {"reason": "product recalled"}, page=page)
    drain_jobs()
    [note] = told(deal.kol, "contract.cancelled_reason")
    assert note.params["reason"] == "product recalled"  # the brand's own words, as typed
    mailed_in(deal.kol, "en", f"Contract #{deal.contract.id}", "was cancelled")
    assert told(deal.brand, "contract.cancelled_reason") == []  # the brand did it
    [refunded] = told(deal.brand, "refund.succeeded")
    assert refunded.params["amount"] == {"amount": 52_500, "currency": "usd"}
    mailed_in(deal.brand, "zh_Hans", "退款", "$525.00")


def test_the_funding_deadline_cancels_and_tells_both_sides(app):
    deal = make_deal(contract_fields={"funding_deadline": utcnow() - timedelta(hours=1)})
    speaks(deal.kol, "zh_Hans")
    assert expire_unfunded_contracts(utcnow()) == 1
    db.session.commit()
    for user, locale in ((deal.brand, "en"), (deal.kol, "zh_Hans")):
        assert len(told(user, "contract.expired")) == 1
        mailed_in(user, locale, f"#{deal.contract.id}")


def test_a_dispute_opened_and_resolved_tells_both_sides(app, stripe_emulator):
    deal = _deal(app, stripe_emulator, onboarded=True)
    fund(app, deal.contract, deal.brand, stripe_emulator)
    drain_jobs()
    mark_submitted(contract_id=deal.contract.id, by=deal.kol.id)
    open_dispute(contract_id=deal.contract.id, user_id=deal.brand.id, reason="note off-brief")
    db.session.commit()
    for user in (deal.brand, deal.kol):
        [opened] = told(user, "dispute.opened")
        assert opened.params["reason"] == "note off-brief"
    resolve_dispute(
        contract_id=deal.contract.id,
        admin_id=make_user("admin").id,
        refund_amount=20_000,
        reason="Half the brief was met",
    )
    db.session.commit()
    mailed_in(deal.kol, "en", "was resolved", "$200.00 back to the brand", "$325.00 released")
    mailed_in(deal.brand, "zh_Hans", "$200.00", "$325.00")
    drain_jobs()
    [paid] = told(deal.kol, "payout.paid")
    assert paid.params["amount"] == {"amount": 32_500 - 3_250, "currency": "usd"}
    assert len(told(deal.brand, "refund.succeeded")) == 1


def test_a_payout_refused_then_paid_then_reversed_tells_the_kol_each_time(app, stripe_emulator):
    finance = make_user("finance")
    deal = _deal(app, stripe_emulator, brand_locale="en", kol_locale="zh_Hans", onboarded=True)
    _approved(app, deal, stripe_emulator)
    stripe_emulator.faults.fail_next(1, status=400)
    drain_jobs()
    drain_jobs()  # a second pass calls Stripe no more and tells nobody again
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == deal.contract.id))
    assert payout.status == PayoutStatus.FAILED
    assert len(told(deal.kol, "payout.failed")) == 1
    mailed_in(deal.kol, "zh_Hans", f"#{deal.contract.id}", "$315.00")
    [alert] = told(finance, "payout.failed_finance")
    assert f"Payout #{payout.id}" in alert.message
    assert told(deal.kol, "payout.paid") == []

    retry_payout(payout_id=payout.id, actor_id=finance.id)
    db.session.commit()
    drain_jobs()
    assert len(told(deal.kol, "payout.paid")) == 1
    payout = db.session.get(Payout, payout.id)
    gateway.client().v1.transfers.reversals.create(payout.transfer_id, {"amount": 1_000})
    drain_jobs()
    [reversed_] = told(deal.kol, "payout.reversed")
    assert reversed_.params["amount"] == {"amount": 1_000, "currency": "usd"}
    mailed_in(deal.kol, "zh_Hans", "$10.00")


def test_a_refund_stripe_refuses_tells_the_brand_and_finance(app, stripe_emulator):
    finance = speaks(make_user("finance"), "zh_Hans")
    deal = _deal(app, stripe_emulator, brand_locale="en")
    fund(app, deal.contract, deal.brand, stripe_emulator)
    drain_jobs()
    cancel_contract(contract_id=deal.contract.id, actor_id=deal.brand.id, reason="")
    db.session.commit()
    stripe_emulator.faults.fail_next(1, status=402)
    drain_jobs()
    drain_jobs()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == deal.contract.id))
    assert refund.status == "failed"
    assert len(told(deal.brand, "refund.failed")) == 1
    mailed_in(deal.brand, "en", "The refund of $525.00", f"#{deal.contract.id}", "failed")
    [alert] = told(finance, "refund_failed")
    assert alert.link == "/finance/refunds"
    mailed_in(finance, "zh_Hans", f"#{deal.contract.id}")
    [cancelled] = told(deal.kol, "contract.cancelled")  # no reason given: none shown
    assert "reason" not in cancelled.params
