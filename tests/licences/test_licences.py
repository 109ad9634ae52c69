"""Usage rights as a priced licence: terms on campaign → bid/counter → contract, funded with the
contract, paid to the KOL on approval through the release path (payout, ledger, transfer),
shown to the brand, ending on its date with a reminder some days before."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.contracts.lifecycle import lock_contract
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs
from app.ledger.checks import ledger_problems
from app.licences.services import remind_licence_endings, start_licence
from app.notifications.models import Notification
from app.payments.models import Funding, Payout
from tests.bids.support import delivery_for
from tests.campaigns.helpers import api_json
from tests.conftest import signed_in
from tests.factories import make_api_key, make_deal, make_kol, make_user

LICENCE = {"licence_scope": "paid", "licence_days": 90, "licence_fee": 10_000}
# The fees a contract fixes on a 100.00 licence fee (5 % brand fee, 10 % KOL fee).
CONTRACT_LICENCE = {**LICENCE, "licence_brand_fee": 500, "licence_kol_fee": 1_000}


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_the_licence_goes_from_campaign_to_bid_counter_and_contract(app, client):
    brand, kol = make_user("brand"), make_kol(verified=True)
    created = client.post("/api/v1/campaigns", json=api_json(**LICENCE), headers=_auth(brand))
    assert created.status_code == 201, created.get_json()
    assert {k: created.get_json()[k] for k in LICENCE} == LICENCE
    from app.campaigns.models import Campaign

    campaign = db.session.get(Campaign, created.get_json()["id"])
    campaign.status, campaign.published_at = "open", utcnow()
    db.session.commit()
    bid = client.post(
        f"/api/v1/campaigns/{campaign.id}/bids",
        json={"price": 50_000, "pitch": "Me", "proposed_delivery": delivery_for(campaign)},
        headers=_auth(kol),
    )
    assert bid.status_code == 201, bid.get_json()
    assert bid.get_json()["fees"]["brand_total"] == 52_500 + 10_500
    bid_id = bid.get_json()["id"]
    counter = client.post(
        f"/api/v1/bids/{bid_id}/counter",
        json={"price": 50_000, "terms": {"licence_scope": "own", "licence_fee": 6_000}},
        headers=_auth(brand),
    )
    assert counter.status_code == 200, counter.get_json()
    offers = counter.get_json()["offers"]
    assert [(o["terms"]["licence_scope"], o["terms"]["licence_fee"]) for o in offers] == [
        ("paid", 10_000), ("own", 6_000),
    ]  # fmt: skip
    page = signed_in(app, kol).get(f"/bids/{bid_id}").get_data(as_text=True)
    history = page[page.index("Negotiation history") :]
    assert "Licence: Brand's own channels, 90 days, $60.00" in history.replace("&#39;", "'")
    accepted = client.post(f"/api/v1/bids/{bid_id}/accept", headers=_auth(kol))
    assert accepted.status_code == 201, accepted.get_json()
    body = accepted.get_json()
    assert body["terms"]["licence_scope"] == "own" and body["licence_brand_fee"] == 300
    assert body["brand_total"] == 52_500 + 6_300 and body["licence_ends_at"] is None
    assert db.session.get(Campaign, campaign.id).committed_amount == 56_000


@pytest.mark.parametrize(
    ("licence", "field"),
    [
        ({"licence_scope": "paid"}, "licence_days"),
        ({"licence_days": 30, "licence_fee": 500}, "licence_scope"),
        ({"licence_scope": "everywhere", "licence_days": 30}, "licence_scope"),
        ({"licence_scope": "own", "licence_days": 9_999}, "licence_days"),
    ],
)
def test_a_bad_licence_is_422_naming_the_field(client, licence, field):
    response = client.post(
        "/api/v1/campaigns", json=api_json(**licence), headers=_auth(make_user("brand"))
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


def _licensed_deal(app, emulator):
    return make_deal(
        "published", app=app, emulator=emulator, onboarded=True, contract_fields=CONTRACT_LICENCE
    )


@pytest.mark.usefixtures("books_balance")
def test_the_licence_is_funded_paid_to_the_kol_and_shown_to_the_brand(app, stripe_emulator):
    deal = _licensed_deal(app, stripe_emulator)
    contract = db.session.get(Contract, deal.contract.id)
    funding = db.session.scalar(select(Funding).where(Funding.contract_id == contract.id))
    assert funding.amount == 52_500 + 10_500  # the price and the licence, each with its fee
    payout = db.session.scalar(
        select(Payout).where(Payout.contract_id == contract.id, Payout.stage == "licence")
    )
    assert payout.amount == 9_000 and payout.status == "paid" and payout.transfer_id
    assert contract.licence_ends_at == contract.approved_at + timedelta(days=90)
    assert ledger_problems() == []
    brand = signed_in(app, deal.brand)
    page = brand.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Own channels and paid ads / boosting" in page and "active" in page
    review = brand.get(f"/notes/{deal.note.id}/review").get_data(as_text=True)
    assert "Your usage licence" in review
    kol_review = signed_in(app, deal.kol).get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "$90.00" in kol_review  # what the KOL receives for the licence


def test_the_brand_is_told_before_the_licence_ends_and_then_it_ends(app):
    deal = make_deal("approved", contract_fields=CONTRACT_LICENCE)
    contract = db.session.get(Contract, deal.contract.id)
    now = utcnow()
    contract.licence_ends_at = now + timedelta(days=10)
    db.session.commit()
    assert remind_licence_endings(now) == 0  # more than 7 days ahead
    assert remind_licence_endings(now + timedelta(days=4)) == 1
    db.session.commit()
    assert remind_licence_endings(now + timedelta(days=5)) == 0  # told once
    told = db.session.scalar(select(Notification).where(Notification.kind == "licence.ending"))
    assert told.user_id == deal.brand.id and told.link == f"/contracts/{contract.id}"
    contract.licence_ends_at = now - timedelta(minutes=1)
    db.session.commit()
    page = signed_in(app, deal.brand).get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "ended" in page


@pytest.mark.postgres
def test_paying_a_licence_twice_at_once_pays_it_once(committing_app):
    app = committing_app
    with app.app_context():
        emulator = app.extensions["stripe_emulator"]
        emulator.reset(keep_endpoints=True)
        contract_id = _licensed_deal(app, emulator).contract.id
        db.session.remove()
    barrier, outcomes, lock = threading.Barrier(16), Counter(), threading.Lock()

    def pay():
        with app.app_context():
            barrier.wait()
            try:
                payout = start_licence(lock_contract(contract_id))
                db.session.commit()
                run_inline_jobs()
                result = payout.stage if payout else "none"
            except Exception as error:  # a server error fails the test
                db.session.rollback()
                result = f"ERROR {type(error).__name__}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=pay) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert outcomes == Counter({"licence": 16})  # each found the one payout
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Payout.id)).where(
                Payout.contract_id == contract_id, Payout.stage == "licence"
            )
        )
        assert count == 1
        transfers = [e for e in emulator.events("transfer.created")]
        assert len(transfers) == 2  # the approval share and the licence, once each
        assert ledger_problems() == []


# ---- a licence or an extension bought later ------------------------------------------------


def _buy_on_the_web(app, deal, emulator, *, pay: bool = True, **fields):
    from tests.conftest import post_form

    client = signed_in(app, deal.brand)
    data = {"licence_scope": "paid", "licence_days": "30", "licence_fee": "50", **fields}
    response = post_form(
        client,
        f"/contracts/{deal.contract.id}/licence",
        data,
        page=f"/contracts/{deal.contract.id}",
    )
    if response.status_code != 303 or not pay:
        return response
    session_id = re.search(r"/checkout/(cs_\w+)", response.headers["Location"]).group(1)
    emulator.pay_checkout_session(session_id)
    db.session.expire_all()
    return response


@pytest.mark.usefixtures("books_balance")
def test_a_brand_buys_an_extension_paid_to_the_kol_with_the_books_reconciled(app, stripe_emulator):
    from app.finance import reconcile
    from app.finance.models import ReconciliationRun
    from app.licences.models import LicencePurchase
    from tests.payments.conftest import drain_jobs

    deal = _licensed_deal(app, stripe_emulator)
    first_end = db.session.get(Contract, deal.contract.id).licence_ends_at
    page = signed_in(app, deal.brand).get(f"/contracts/{deal.contract.id}").get_data(as_text=True)
    assert "Extend the licence" in page
    assert _buy_on_the_web(app, deal, stripe_emulator).status_code == 303
    drain_jobs()
    db.session.expire_all()
    purchase = db.session.scalar(select(LicencePurchase))
    assert (purchase.status, purchase.licence_fee, purchase.total) == ("paid", 5_000, 5_250)
    assert purchase.starts_at == first_end  # an extension starts when the licence ends
    contract = db.session.get(Contract, deal.contract.id)
    assert contract.licence_ends_at == first_end + timedelta(days=30)
    payout = db.session.scalar(select(Payout).where(Payout.stage == f"licence-{purchase.id}"))
    assert payout.amount == 4_500 and payout.status == "paid" and payout.transfer_id
    told = db.session.scalar(select(Notification).where(Notification.kind == "licence.bought"))
    assert told.user_id == deal.kol.id
    assert ledger_problems() == []
    today = utcnow().date()
    run = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=None)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    run = db.session.get(ReconciliationRun, run.id)
    assert run.status == "done" and run.difference_count == 0


def test_buying_a_licence_is_refused_before_publication_and_names_bad_fields(app, client):
    deal = make_deal("funded")
    api = _auth(deal.brand)
    url = f"/api/v1/contracts/{deal.contract.id}/licence-purchases"
    body = {"licence_scope": "own", "licence_days": 30, "licence_fee": 5_000}
    assert client.post(url, json=body, headers=api).status_code == 409
    published = make_deal("published", brand=deal.brand)
    url = f"/api/v1/contracts/{published.contract.id}/licence-purchases"
    missing = client.post(url, json={"licence_days": 30, "licence_fee": 5_000}, headers=api)
    assert missing.status_code == 422 and "licence_scope" in missing.get_json()["error"]["fields"]
    tiny = client.post(url, json={**body, "licence_fee": 10}, headers=api)
    assert tiny.status_code == 422 and "licence_fee" in tiny.get_json()["error"]["fields"]
    other = client.post(url, json=body, headers=_auth(make_user("brand")))
    assert other.status_code == 404
    made = client.post(url, json=body, headers=api)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "open" and made.get_json()["total"] == 5_250
    assert "/checkout/" in made.get_json()["checkout_url"]
    page = _buy_on_the_web(app, published, None, pay=False, licence_scope="")
    assert page.status_code == 302  # back to the contract, the problem flashed


@pytest.mark.postgres
def test_a_licence_payment_recorded_twice_at_once_pays_the_kol_once(committing_app):
    from app.licences.models import LicencePurchase
    from app.payments.funding import record_payment

    app = committing_app
    with app.app_context():
        emulator = app.extensions["stripe_emulator"]
        emulator.reset(keep_endpoints=True)
        deal = _licensed_deal(app, emulator)
        emulator.hold_webhooks(True)  # the payment's events arrive later, all at once
        with app.test_request_context():
            response = _buy_on_the_web(app, deal, emulator, pay=True)
        assert response.status_code == 303
        funding = db.session.scalar(select(Funding).where(Funding.licence_purchase_id.is_not(None)))
        intent_id = emulator.get(funding.checkout_session_id)["payment_intent"]
        funding_id, contract_id = funding.id, deal.contract.id
        db.session.remove()
    barrier, outcomes, lock = threading.Barrier(16), Counter(), threading.Lock()

    def record():
        with app.app_context():
            barrier.wait()
            try:
                record_payment(funding_id=funding_id, payment_intent_id=intent_id)
                db.session.commit()
                run_inline_jobs()
                result = "recorded"
            except Exception as error:  # a server error fails the test
                db.session.rollback()
                result = f"ERROR {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=record) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    emulator.hold_webhooks(False)
    emulator.flush_webhooks()  # the held events too: a replay changes nothing
    assert outcomes == Counter({"recorded": 16})
    with app.app_context():
        purchase = db.session.scalar(select(LicencePurchase))
        assert purchase.status == "paid"
        stage = f"licence-{purchase.id}"
        payouts = db.session.scalars(
            select(Payout).where(Payout.contract_id == contract_id, Payout.stage == stage)
        ).all()
        assert len(payouts) == 1 and payouts[0].amount == 4_500
        assert ledger_problems() == []
