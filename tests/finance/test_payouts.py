"""The payout queue: retry never pays twice, holds stop transfers, bulk actions confirm first."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.finance.models import FinanceAuditLog
from app.finance.services import retry_failed_payout
from app.jobs import StagedJob, stage_job
from app.notifications.models import Notification
from app.payments.approvals import approve_contract
from app.payments.models import ConnectAccount, Payout, PayoutStatus
from app.payments.release import NO_PAYOUT_ACCOUNT
from tests.conftest import post_form, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_deal, make_kol, make_user
from tests.finance.support import payout_of, released_deal
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _approved_deal(app, emulator, *, price=50_000, onboarded=True, fail_transfer=False):
    """Approved; the transfer job runs after the fault (if any) is armed."""
    deal = make_deal("submitted", app=app, emulator=emulator, price=price, onboarded=onboarded)
    approve_contract(contract_id=deal.contract.id, by=deal.brand.id, reason="approved")
    db.session.commit()
    if fail_transfer:
        emulator.faults.fail_next(1, status=400)  # Stripe refuses: the payout fails
    drain_jobs()
    db.session.expire_all()
    return deal.kol, deal.contract, payout_of(deal.contract.id)


def _transfers(emulator, payout_id: int) -> list[dict]:
    return [
        o
        for o in emulator.store.objects.values()
        if o.get("object") == "transfer" and o["metadata"].get("payout_id") == str(payout_id)
    ]


def test_retrying_a_failed_transfer_pays_once_and_never_twice(app, stripe_emulator):
    _kol, _contract, payout = _approved_deal(app, stripe_emulator, fail_transfer=True)
    assert payout.status == PayoutStatus.FAILED and _transfers(stripe_emulator, payout.id) == []
    client = signed_in(app, make_user("finance"))

    post_form(client, f"/finance/payouts/{payout.id}/retry", page="/finance/payouts")
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PAID
    assert len(_transfers(stripe_emulator, payout.id)) == 1

    again = post_form(
        client,
        f"/finance/payouts/{payout.id}/retry",
        page="/finance/payouts",
        follow_redirects=True,
    )
    drain_jobs()
    assert "Only a failed payout can be retried." in again.get_data(as_text=True)
    assert len(_transfers(stripe_emulator, payout.id)) == 1
    audit = db.session.scalars(
        select(FinanceAuditLog).where(FinanceAuditLog.action == "payout.retry")
    ).all()
    assert [(a.object_id, a.before["status"], a.after["status"]) for a in audit] == [
        (str(payout.id), "failed", "staged")
    ]


def test_a_held_payout_is_not_paid_until_the_hold_is_released(app, stripe_emulator):
    kol, _contract, payout = _approved_deal(app, stripe_emulator, onboarded=False)
    assert payout.status == PayoutStatus.WAITING_ONBOARDING
    client = signed_in(app, make_user("finance"))

    refused = post_form(
        client,
        f"/finance/payouts/{payout.id}/hold",
        {"reason": ""},
        page="/finance/payouts",
        follow_redirects=True,
    )
    assert "Give a reason for the hold." in refused.get_data(as_text=True)
    post_form(
        client,
        f"/finance/payouts/{payout.id}/hold",
        {"reason": "KYC check"},
        page="/finance/payouts",
    )
    db.session.expire_all()
    held = db.session.get(Payout, payout.id)
    assert held.status == PayoutStatus.ON_HOLD and held.hold_reason == "KYC check"

    onboard(app, kol, stripe_emulator)  # would normally release waiting payouts
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.ON_HOLD
    assert _transfers(stripe_emulator, payout.id) == []

    post_form(client, f"/finance/payouts/{payout.id}/release", page="/finance/payouts")
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PAID
    assert len(_transfers(stripe_emulator, payout.id)) == 1


def test_releasing_a_hold_waits_for_onboarding_when_the_kol_cannot_receive(app, stripe_emulator):
    _kol, _contract, payout = _approved_deal(app, stripe_emulator, onboarded=False)
    client = signed_in(app, make_user("finance"))
    post_form(
        client, f"/finance/payouts/{payout.id}/hold", {"reason": "check"}, page="/finance/payouts"
    )
    post_form(client, f"/finance/payouts/{payout.id}/release", page="/finance/payouts")
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.WAITING_ONBOARDING


def test_bulk_hold_states_count_and_total_before_acting(app, stripe_emulator):
    _k1, _c1, first = _approved_deal(app, stripe_emulator, onboarded=False)
    _k2, _c2, second = _approved_deal(app, stripe_emulator, price=20_000, onboarded=False)
    _b, _k3, paid_contract = released_deal(app, stripe_emulator)
    paid = payout_of(paid_contract.id)
    client = signed_in(app, make_user("finance"))
    ids = [first.id, second.id, paid.id]

    confirm = post_form(
        client,
        "/finance/payouts/bulk",
        {"action": "hold", "reason": "month-end review", "payout_id": ids},
        page="/finance/payouts",
    )
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "2 payout(s) will be affected" in page
    assert "$441.00" in page  # 315.00 + 126.00
    assert "1 selected payout(s) are skipped" in page
    db.session.expire_all()
    assert db.session.get(Payout, first.id).status == PayoutStatus.WAITING_ONBOARDING  # nothing yet

    post_form(
        client,
        "/finance/payouts/bulk/confirm",
        {"action": "hold", "reason": "month-end review", "payout_id": ids},
        page="/finance/payouts",
    )
    db.session.expire_all()
    statuses = {
        p.id: p.status for p in db.session.scalars(select(Payout).where(Payout.id.in_(ids)))
    }
    assert statuses == {
        first.id: PayoutStatus.ON_HOLD,
        second.id: PayoutStatus.ON_HOLD,
        paid.id: PayoutStatus.PAID,
    }
    holds = db.session.scalar(
        select(func.count())
        .select_from(FinanceAuditLog)
        .where(FinanceAuditLog.action == "payout.hold")
    )
    assert holds == 2


def test_the_queue_filters_by_status_and_shows_each_payout(app, stripe_emulator):
    _k, contract, _payout = _approved_deal(app, stripe_emulator, onboarded=False)
    client = signed_in(app, make_user("finance"))
    page = client.get("/finance/payouts?status=waiting_onboarding").get_data(as_text=True)
    assert f"#{contract.id}" in page and "$315.00" in page
    empty = client.get("/finance/payouts?status=paid").get_data(as_text=True)
    assert "No payouts match these filters." in empty
    assert client.get("/finance/payouts?age=30").status_code == 200


def _told_to_onboard(kol_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == kol_id, Notification.kind == "payout.onboarding"
            )
        )
    )


def test_retrying_for_a_kol_whose_account_was_removed_waits_for_onboarding(app, stripe_emulator):
    kol, _contract, payout = _approved_deal(app, stripe_emulator, fail_transfer=True)
    db.session.delete(db.session.get(ConnectAccount, kol.id))  # the account is gone
    db.session.commit()
    client = signed_in(app, make_user("finance"))

    answer = post_form(
        client,
        f"/finance/payouts/{payout.id}/retry",
        page="/finance/payouts",
        follow_redirects=True,
    )
    drain_jobs()
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "the KOL has no payout account that can receive transfers" in page
    db.session.expire_all()
    waiting = db.session.get(Payout, payout.id)
    assert waiting.status == PayoutStatus.WAITING_ONBOARDING
    assert waiting.last_error == NO_PAYOUT_ACCOUNT  # a code, shown to finance as a sentence
    assert "no Stripe account that can receive transfers; the payout waits" in page
    assert len(_told_to_onboard(kol.id)) == 1 and _transfers(stripe_emulator, payout.id) == []
    [audit] = db.session.scalars(
        select(FinanceAuditLog).where(FinanceAuditLog.action == "payout.retry")
    ).all()
    assert (audit.before["status"], audit.after["status"]) == ("failed", "waiting_onboarding")

    onboard(app, kol, stripe_emulator)  # the KOL finishes onboarding: the payout goes out
    drain_jobs()
    db.session.expire_all()
    paid = db.session.get(Payout, payout.id)
    assert paid.status == PayoutStatus.PAID and paid.last_error is None
    assert len(_transfers(stripe_emulator, payout.id)) == 1


def test_a_payout_of_a_kol_who_never_onboarded_does_not_break_the_job(app, stripe_emulator):
    """Payouts written straight into the table (as the access matrix does) for a KOL with no
    Connect account: the retry and the transfer job end in a clear state, never an error."""
    kol = make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(make_user("brand")), kol))
    failed, staged = (
        Payout(contract_id=contract.id, kol_id=kol.id, stage=stage, amount=1000,
               currency="usd", status=status, last_error="card_declined")
        for stage, status in (("approval", PayoutStatus.FAILED), ("keep_live", PayoutStatus.STAGED))
    )  # fmt: skip
    db.session.add_all([failed, staged])
    db.session.flush()
    stage_job("payments.transfer", payout_id=staged.id)
    db.session.commit()
    finance = make_user("finance")

    retry_failed_payout(payout_id=failed.id, actor_id=finance.id)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    for payout_id in (failed.id, staged.id):
        payout = db.session.get(Payout, payout_id)
        assert payout.status == PayoutStatus.WAITING_ONBOARDING
        assert payout.last_error == NO_PAYOUT_ACCOUNT
    jobs = db.session.scalars(select(StagedJob).where(StagedJob.name == "payments.transfer"))
    assert [(j.status, j.last_error) for j in jobs] == [("done", None)]
    assert len(_told_to_onboard(kol.id)) == 2 and _transfers(stripe_emulator, failed.id) == []
