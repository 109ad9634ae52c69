"""The app against Stripe's real behaviour (through the SDK and the emulator): refunds that are
pending or fail, chargebacks that move money, settlement currencies, declined payments,
expired Checkout links, and retries after a Stripe 5xx — with the books checked after each."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.models import CASH, CHARGEBACK_LOSSES, CHARGEBACKS, DISPUTE_FEES, HELD, REFUNDS
from app.ledger.services import balance
from app.notifications.models import Notification
from app.payments.models import PaymentFailure, Refund
from app.payments.refunds import cancel_contract
from tests.conftest import post_form, sign_in
from tests.factories import make_bid, make_campaign, make_contract, make_deal, make_kol, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, funding_of

pytestmark = pytest.mark.usefixtures("books_balance")
PAID = 52_500  # price 50,000 + the brand's 5 % fee


def _cancel(contract, brand) -> Refund:
    cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="recalled")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))


def test_a_pending_refund_is_in_progress_until_stripe_says_succeeded(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    brand, contract = deal.brand, deal.contract
    stripe_emulator.faults.next_refunds("pending")

    refund = _cancel(contract, brand)

    assert refund.status == "pending" and refund.stripe_refund_id
    assert balance(REFUNDS, "usd", contract_id=contract.id) == PAID  # still owed to the brand
    client = app.test_client()
    sign_in(client, brand)
    page = client.get("/payments").get_data(as_text=True)
    assert "in flight" in page or "in progress" in page

    finance = make_user("finance")
    sign_in(client, finance)
    assert "Refunds in progress" in client.get("/finance/refunds").get_data(as_text=True)

    stripe_emulator.settle_refunds()  # refund.updated / charge.refund.updated arrive
    db.session.expire_all()

    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    assert balance(REFUNDS, "usd", contract_id=contract.id) == 0


def test_a_refund_that_fails_is_owed_again_and_finance_can_retry(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    brand, contract = deal.brand, deal.contract
    finance = make_user("finance")
    stripe_emulator.faults.next_refunds("fail")
    refund = _cancel(contract, brand)
    assert refund.status == "pending"

    stripe_emulator.settle_refunds()  # refund.failed
    db.session.expire_all()

    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    assert balance(REFUNDS, "usd", contract_id=contract.id) == PAID
    assert db.session.scalar(select(Notification).where(Notification.user_id == finance.id))

    client = app.test_client()
    sign_in(client, finance)
    post_form(
        client,
        f"/finance/refunds/{refund.id}/retry",
        {"reason": "new card"},
        page="/finance/refunds",
    )
    drain_jobs()
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "succeeded"
    assert balance(REFUNDS, "usd", contract_id=contract.id) == 0
    assert stripe_emulator.get(refund.stripe_refund_id)["status"] == "succeeded"


def test_a_refund_returned_after_it_succeeded_is_booked_back(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    brand, contract = deal.brand, deal.contract
    refund = _cancel(contract, brand)
    assert refund.status == "succeeded"
    cash = balance(CASH, "usd")

    stripe_emulator.fail_refund(refund.stripe_refund_id, "lost_or_stolen_card")
    db.session.expire_all()

    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.failure_reason) == ("failed", "lost_or_stolen_card")
    assert balance(CASH, "usd") == cash + PAID
    assert balance(REFUNDS, "usd", contract_id=contract.id) == PAID


def test_a_chargeback_takes_the_money_and_the_fee_and_a_win_brings_the_money_back(
    app, stripe_emulator
):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    contract = deal.contract
    cash = balance(CASH, "usd")
    dispute = stripe_emulator.create_dispute(funding_of(contract.id).charge_id)
    db.session.expire_all()

    assert db.session.get(Contract, contract.id).status == ContractStatus.FROZEN
    assert balance(CHARGEBACKS, "usd", contract_id=contract.id) == PAID
    assert balance(DISPUTE_FEES, "usd") == 1_500
    assert balance(CASH, "usd") == cash - PAID - 1_500
    from app.finance.figures import dashboard

    usd = dashboard().figures["usd"]  # what finance sees
    assert (usd["chargebacks_open"], usd["dispute_fees"]) == (PAID, 1_500)

    stripe_emulator.close_dispute(dispute["id"], won=True)
    db.session.expire_all()

    assert balance(CHARGEBACKS, "usd", contract_id=contract.id) == 0
    assert balance(CASH, "usd") == cash - 1_500  # Stripe keeps the dispute fee
    assert balance(HELD, "usd", contract_id=contract.id) == PAID


def test_a_lost_chargeback_is_paid_from_what_the_contract_holds(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    contract = deal.contract
    dispute = stripe_emulator.create_dispute(funding_of(contract.id).charge_id)
    stripe_emulator.close_dispute(dispute["id"], won=False)
    db.session.expire_all()

    assert balance(CHARGEBACKS, "usd", contract_id=contract.id) == 0
    assert balance(HELD, "usd", contract_id=contract.id) == 0  # cannot be refunded twice
    assert balance(CHARGEBACK_LOSSES, "usd") == 0


def test_dispute_events_in_any_order_book_each_movement_once(app, stripe_emulator):
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    contract = deal.contract
    stripe_emulator.hold_webhooks()
    dispute = stripe_emulator.create_dispute(funding_of(contract.id).charge_id)
    stripe_emulator.close_dispute(dispute["id"], won=True)
    stripe_emulator.faults.duplicate_webhooks()
    stripe_emulator.flush_webhooks("reverse")
    db.session.expire_all()

    assert balance(CHARGEBACKS, "usd", contract_id=contract.id) == 0
    assert balance(DISPUTE_FEES, "usd") == 1_500


def test_a_declined_payment_leaves_a_trace_the_brand_reads(app, stripe_emulator):
    from app.payments.emulator import EmulatorError

    brand = make_user("brand")
    contract = make_contract(make_bid(make_campaign(brand), make_kol(verified=True)))
    with pytest.raises(EmulatorError):
        fund(app, contract, brand, stripe_emulator, card="4000000000009995")
    db.session.expire_all()

    failure = db.session.scalar(
        select(PaymentFailure).where(PaymentFailure.contract_id == contract.id)
    )
    assert (failure.code, failure.decline_code) == ("card_declined", "insufficient_funds")
    client = app.test_client()
    sign_in(client, brand)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "insufficient funds" in page.lower()
    from tests.factories import make_api_key

    money = client.get(
        f"/api/v1/contracts/{contract.id}/money",
        headers={"Authorization": f"Bearer {make_api_key(brand)}"},
    ).get_json()
    assert money["payment_failures"][0]["decline_code"] == "insufficient_funds"


def test_an_expired_checkout_link_is_never_served_again(app, stripe_emulator):
    brand = make_user("brand")
    contract = make_contract(make_bid(make_campaign(brand), make_kol(verified=True)))
    client = app.test_client()
    sign_in(client, brand)
    first = post_form(client, f"/contracts/{contract.id}/fund", page="/").headers["Location"]
    assert first.startswith("http")  # absolute in every mode

    stripe_emulator.advance(25 * 3600)  # Checkout Sessions live 24 hours
    second = post_form(client, f"/contracts/{contract.id}/fund", page="/").headers["Location"]

    assert second != first and second.startswith("http")
    db.session.expire_all()
    statuses = sorted(f.status for f in contract_fundings(contract.id))
    assert statuses == ["expired", "open"]


def contract_fundings(contract_id):
    from app.payments.models import Funding

    return db.session.scalars(select(Funding).where(Funding.contract_id == contract_id)).all()


def test_a_contract_in_a_currency_the_platform_does_not_settle_in_is_not_charged(
    app, stripe_emulator, monkeypatch
):
    brand = make_user("brand")
    contract = make_contract(
        make_bid(make_campaign(brand, currency="jpy"), make_kol(verified=True), price=80_000)
    )
    monkeypatch.setitem(app.config, "STRIPE_SETTLEMENT_CURRENCIES", ("usd",))
    client = app.test_client()
    sign_in(client, brand)

    response = post_form(client, f"/contracts/{contract.id}/fund", page="/", follow_redirects=True)

    assert "not available on this platform" in response.get_data(as_text=True)
    assert contract_fundings(contract.id) == []


def test_a_transfer_after_a_stripe_500_asks_stripe_then_pays_once(app, stripe_emulator):
    from app.contracts.lifecycle import mark_submitted
    from app.payments.approvals import approve_contract
    from app.payments.models import Payout
    from tests.payments.money_support import onboard

    deal = make_deal("funded", app=app, emulator=stripe_emulator)

    brand, contract = deal.brand, deal.contract
    kol = db.session.get(type(brand), contract.kol_id)
    onboard(app, kol, stripe_emulator)
    stripe_emulator.faults.fail_next(1, status=500)
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="ok")
    db.session.commit()
    drain_jobs()  # the transfer job meets the 500, then runs again (the sweep)
    db.session.expire_all()

    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status.value == "paid" and payout.attempts == 2
    assert payout.key_generation == 1  # the replayed 500's key was not sent again
    transfers = stripe_emulator.events("transfer.created")
    assert [t["data"]["object"]["id"] for t in transfers] == [payout.transfer_id]


def test_a_transfer_whose_answer_was_lost_is_found_at_stripe_not_paid_twice(app, stripe_emulator):
    from app.contracts.lifecycle import mark_submitted
    from app.payments.approvals import approve_contract
    from app.payments.models import Payout
    from tests.payments.money_support import onboard

    deal = make_deal("funded", app=app, emulator=stripe_emulator)

    brand, contract = deal.brand, deal.contract
    kol = db.session.get(type(brand), contract.kol_id)
    onboard(app, kol, stripe_emulator)
    stripe_emulator.faults.lose_next_response(1)  # Stripe paid; we never heard
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="ok")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()

    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status.value == "paid" and payout.attempts >= 2
    transfers = stripe_emulator.events("transfer.created")
    assert [t["data"]["object"]["id"] for t in transfers] == [payout.transfer_id]


def test_campaigns_are_offered_only_in_the_platforms_settlement_currencies(
    app, client, monkeypatch
):
    from tests.campaigns.helpers import api_json, form_data
    from tests.factories import make_api_key

    monkeypatch.setitem(app.config, "STRIPE_SETTLEMENT_CURRENCIES", ("usd", "eur"))
    brand = make_user("brand")
    sign_in(client, brand)

    page = client.get("/campaigns/new").get_data(as_text=True)
    assert 'value="eur"' in page and 'value="jpy"' not in page
    web = post_form(client, "/campaigns/new", form_data(currency="jpy"))
    assert web.status_code == 422
    api = client.post(
        "/api/v1/campaigns",
        json=api_json(currency="jpy"),
        headers={"Authorization": f"Bearer {make_api_key(brand)}"},
    )
    assert api.status_code == 422
    assert "not available on this platform" in api.get_json()["error"]["fields"]["currency"][0]


def test_production_refuses_to_start_without_its_settlement_currencies(tmp_path):
    from app import create_app
    from tests.factories import PRODUCTION_STRIPE

    settings = {**PRODUCTION_STRIPE, "STRIPE_SETTLEMENT_CURRENCIES": ()}
    with pytest.raises(RuntimeError, match="STRIPE_SETTLEMENT_CURRENCIES"):
        create_app(
            "production",
            SECRET_KEY="a-production-secret-of-enough-length-0123456789",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}",
            **settings,
        )


def test_a_settlement_currency_we_do_not_offer_stops_the_app(tmp_path):
    """A typo (or a currency Stripe cannot charge) is named at start, not silently dropped
    from the currencies campaigns may use."""
    from app import create_app
    from config import ConfigError

    with pytest.raises(ConfigError, match="xyz"):
        create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'c.sqlite3'}",
            STRIPE_SETTLEMENT_CURRENCIES="usd, XYZ",
        )


def test_chargebacks_and_returned_refunds_reconcile_with_stripe(app, stripe_emulator):
    from app.db_types import utcnow
    from app.finance import reconcile
    from app.finance.models import MATCHED, ReconciliationItem, ReconciliationRun

    deal = make_deal("funded", app=app, emulator=stripe_emulator)

    disputed = deal.contract
    dispute = stripe_emulator.create_dispute(funding_of(disputed.id).charge_id)
    stripe_emulator.close_dispute(dispute["id"], won=True)
    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    brand, cancelled = deal.brand, deal.contract
    refund = _cancel(cancelled, brand)
    stripe_emulator.fail_refund(refund.stripe_refund_id)
    db.session.expire_all()
    today = utcnow().date()

    run = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=None)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()

    run = db.session.get(ReconciliationRun, run.id)
    items = db.session.scalars(
        select(ReconciliationItem).where(ReconciliationItem.run_id == run.id)
    ).all()
    assert run.difference_count == 0, [(i.txn_type, i.kind, i.stripe_amount) for i in items]
    kinds = sorted((i.txn_type, i.kind) for i in items if i.txn_type != "stripe_fee")
    assert kinds == sorted(
        [("charge", MATCHED)] * 2
        + [("adjustment", MATCHED)] * 2
        + [("refund", MATCHED), ("refund_failure", MATCHED)]
    )
    assert run.matched_count == run.processed == 6


def test_a_fee_whose_balance_transaction_comes_later_is_booked_when_it_does(app, stripe_emulator):
    from app.ledger.models import STRIPE_FEES

    stripe_emulator.capture_delay = 60  # Stripe sets the balance transaction a minute later
    try:
        deal = make_deal("funded", app=app, emulator=stripe_emulator)
        contract = deal.contract
        drain_jobs()
        assert balance(STRIPE_FEES, "usd") == 0  # nothing to book yet, and nothing guessed

        stripe_emulator.advance(61)  # charge.updated, balance_transaction set
        drain_jobs()
        db.session.expire_all()
    finally:
        stripe_emulator.capture_delay = None

    charge = stripe_emulator.get(funding_of(contract.id).charge_id)
    fee = stripe_emulator.get(charge["balance_transaction"])["fee"]
    assert fee > 0 and balance(STRIPE_FEES, "usd") == fee


def test_a_link_about_to_expire_is_ended_at_stripe_before_a_new_one_is_made(
    app, stripe_emulator, monkeypatch
):
    from datetime import UTC, datetime

    from app.payments.emulator import EmulatorError

    # The app reads the time on Stripe's clock (the emulator's, which the test moves).
    monkeypatch.setattr(
        "app.payments.funding.utcnow", lambda: datetime.fromtimestamp(stripe_emulator.clock, UTC)
    )

    deal = make_deal()
    client = sign_in(app.test_client(), deal.brand)
    first = post_form(client, f"/contracts/{deal.contract.id}/fund", page="/").headers["Location"]
    stripe_emulator.advance(24 * 3600 - 5 * 60)  # five minutes left on the first link

    second = post_form(client, f"/contracts/{deal.contract.id}/fund", page="/").headers["Location"]

    assert second != first
    old_session = re.search(r"(cs_\w+)", first).group(1)
    assert stripe_emulator.get(old_session)["status"] == "expired"
    with pytest.raises(EmulatorError):
        stripe_emulator.pay_checkout_session(old_session)  # the brand cannot pay twice


def test_a_second_payment_of_a_funded_contract_goes_straight_back(app, stripe_emulator):
    from flask import url_for

    from app.payments import gateway
    from app.payments.models import Funding

    deal = make_deal("funded", app=app, emulator=stripe_emulator)
    contract = deal.contract
    extra = Funding(contract_id=contract.id, amount=contract.brand_total, currency="usd")
    db.session.add(extra)
    db.session.flush()
    with app.test_request_context():
        session = gateway.create_checkout_session(
            funding_id=extra.id,
            key=extra.idempotency_key,
            contract_id=contract.id,
            amount=extra.amount,
            currency="usd",
            product="again",
            customer_email=deal.brand.email,
            success_url=url_for("main.home", _external=True),
            cancel_url=url_for("main.home", _external=True),
        )
    db.session.commit()

    stripe_emulator.pay_checkout_session(session["id"])  # e.g. an old tab paid
    drain_jobs()
    db.session.expire_all()

    second = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    assert (second.reason_code, second.amount, second.status) == (
        f"second_payment:{extra.id}",
        PAID,
        "succeeded",
    )
    assert balance(HELD, "usd", contract_id=contract.id) == PAID  # the first payment only
