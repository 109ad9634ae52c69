"""Webhooks verified, deduplicated and order-proof; Stripe faults never pay twice."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.jobs import run_inline_jobs
from app.ledger.models import JournalEntry
from app.payments.approvals import approve_contract
from app.payments.emulator import sign_payload
from app.payments.models import Payout, PayoutStatus, WebhookEvent
from tests.factories import make_deal
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund

pytestmark = pytest.mark.usefixtures("books_balance")


def _post(client, payload: bytes, signature: str):
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def test_bad_and_stale_signatures_are_refused_with_no_effect(app, client, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    stripe_emulator.hold_webhooks(True)
    fund(app, contract, brand, stripe_emulator)
    held = (
        [d for d in stripe_emulator.webhooks.held]
        if hasattr(stripe_emulator.webhooks, "held")
        else []
    )
    event = stripe_emulator.events("checkout.session.completed")[-1]
    payload = json.dumps(event).encode()
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    assert _post(client, payload, sign_payload(payload, "whsec_wrong")).status_code == 400
    stale = sign_payload(payload, secret, timestamp=1_000_000_000)
    assert _post(client, payload, stale).status_code == 400
    tampered = payload.replace(b"paid", b"unpaid", 1)
    assert _post(client, tampered, sign_payload(payload, secret)).status_code == 400
    assert _post(client, payload, "").status_code == 400
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert held is not None


def test_duplicate_and_out_of_order_webhooks_book_once(app, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    stripe_emulator.faults.duplicate_webhooks(True)
    stripe_emulator.hold_webhooks(True)
    fund(app, contract, brand, stripe_emulator)
    stripe_emulator.flush_webhooks(order="reverse")  # payment_intent.succeeded before checkout
    stripe_emulator.hold_webhooks(False)
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.FUNDED
    fundings = db.session.scalar(
        select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "funding")
    )
    assert fundings == 1


def test_replayed_event_is_a_no_op(app, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    fund(app, contract, brand, stripe_emulator)
    event = stripe_emulator.events("checkout.session.completed")[-1]
    before = db.session.scalar(select(func.count()).select_from(JournalEntry))
    stripe_emulator.replay_event(event["id"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == before


def test_shuffled_webhooks_over_many_deals_equal_in_order_books(app, stripe_emulator):
    deals = [make_deal() for _ in range(4)]
    stripe_emulator.hold_webhooks(True)
    for deal in deals:
        fund(app, deal.contract, deal.brand, stripe_emulator)
    random.seed(7)
    stripe_emulator.flush_webhooks(order="shuffle")
    stripe_emulator.hold_webhooks(False)
    db.session.expire_all()
    for deal in deals:
        assert db.session.get(Contract, deal.contract.id).status == ContractStatus.FUNDED


def _transfers_for(stripe_emulator, payout_id: int) -> list[dict]:
    return [
        e["data"]["object"]
        for e in stripe_emulator.events("transfer.created")
        if e["data"]["object"]["metadata"].get("payout_id") == str(payout_id)
    ]


def test_response_lost_after_the_transfer_still_one_transfer(app, stripe_emulator):
    deal = make_deal("submitted", app=app, emulator=stripe_emulator, onboarded=True)
    brand, contract = deal.brand, deal.contract
    stripe_emulator.faults.lose_next_response()
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    run_inline_jobs()  # first run: Stripe did the work, the answer was lost; the job failed
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PROCESSING
    drain_jobs()  # the retry (RQ or the sweeper) replays Stripe's first answer
    db.session.expire_all()
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.PAID
    transfers = _transfers_for(stripe_emulator, payout.id)
    assert len(transfers) == 1 and transfers[0]["id"] == payout.transfer_id


def test_stripe_error_leaves_the_payout_for_retry_and_never_pays_twice(app, stripe_emulator):
    deal = make_deal("submitted", app=app, emulator=stripe_emulator, onboarded=True)
    brand, contract = deal.brand, deal.contract
    stripe_emulator.faults.fail_next(1, status=500)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    drain_jobs()
    db.session.expire_all()
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status == PayoutStatus.PAID
    assert len(_transfers_for(stripe_emulator, payout.id)) == 1


def test_job_run_twice_pays_once(app, stripe_emulator):
    from app.payments.release import run_transfer

    deal = make_deal("submitted", app=app, emulator=stripe_emulator, onboarded=True)

    brand, contract = deal.brand, deal.contract
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    run_transfer(payout.id)  # an operator or a crashed worker's requeue
    db.session.expire_all()
    assert len(_transfers_for(stripe_emulator, payout.id)) == 1


def test_ledger_check_command(app):
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0 and "ledger OK" in result.output


def test_live_keys_are_refused_outside_production(tmp_path):
    from app import create_app

    with pytest.raises(RuntimeError, match="live Stripe keys"):
        create_app("test", STRIPE_SECRET_KEY="sk_live_abc", SQLALCHEMY_DATABASE_URI="sqlite://")


def test_redis_down_while_staging_the_payout_then_the_sweeper_pays_once(
    app, stripe_emulator, monkeypatch
):
    deal = make_deal("submitted", app=app, emulator=stripe_emulator, onboarded=True)
    brand, contract = deal.brand, deal.contract
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()  # the approval stands although the queue is unreachable
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status == PayoutStatus.STAGED
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)  # Redis back (or the inline sweeper)
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PAID
    assert len(_transfers_for(stripe_emulator, payout.id)) == 1
