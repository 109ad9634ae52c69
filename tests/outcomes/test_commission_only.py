"""Deals with no flat price: a campaign, bid, counter-offer and contract may have a price of 0
when they carry commission or bonus terms with a cap; the brand funds the cap (and its brand
fee), Stripe's minimum applies to what is charged, and settlement and the ledger agree."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.bids.models import Bid
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from app.ledger.checks import ledger_problems
from app.ledger.services import HELD, balance
from app.outcomes.settlement import settle_contract
from app.payments.models import Funding, Payout
from tests.bids.support import delivery_for
from tests.campaigns.helpers import api_json
from tests.conftest import post_form, signed_in
from tests.factories import make_api_key, make_campaign, make_kol, make_user
from tests.outcomes.support import click, later, order, outcome_deal
from tests.payments.conftest import drain_jobs

TERMS = {"commission_bps": 1000, "outcome_cap": 20_000}


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def _open(campaign_id: int):
    from app.campaigns.models import Campaign

    campaign = db.session.get(Campaign, campaign_id)
    campaign.status, campaign.published_at = "open", utcnow()
    db.session.commit()
    return campaign


def test_a_commission_only_deal_runs_through_the_api(client):
    brand, kol = make_user("brand"), make_kol(verified=True)
    created = client.post(
        "/api/v1/campaigns", json=api_json(price_min=0, price_max=0, **TERMS), headers=_auth(brand)
    )
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["price_min"], created.get_json()["price_max"]) == (0, 0)
    campaign = _open(created.get_json()["id"])
    bid = client.post(
        f"/api/v1/campaigns/{campaign.id}/bids",
        json={"price": 0, "pitch": "Commission suits me",
              "proposed_delivery": delivery_for(campaign)},
        headers=_auth(kol),
    )  # fmt: skip
    assert bid.status_code == 201, bid.get_json()
    assert bid.get_json()["price"] == 0 and bid.get_json()["terms"]["outcome_cap"] == 20_000
    bid_id = bid.get_json()["id"]
    # Dropping the cap while the price is 0 is refused, naming the field.
    no_cap = client.post(
        f"/api/v1/bids/{bid_id}/counter",
        json={"price": 0, "terms": {"commission_bps": 0, "outcome_cap": None}},
        headers=_auth(brand),
    )
    assert no_cap.status_code == 422
    counter = client.post(
        f"/api/v1/bids/{bid_id}/counter",
        json={"price": 0, "terms": {"outcome_cap": 30_000}},
        headers=_auth(brand),
    )
    assert counter.status_code == 200, counter.get_json()
    accepted = client.post(f"/api/v1/bids/{bid_id}/accept", headers=_auth(kol))
    assert accepted.status_code == 201, accepted.get_json()
    contract = db.session.get(Contract, accepted.get_json()["id"])
    assert (contract.price, contract.brand_fee, contract.kol_fee) == (0, 0, 0)
    assert contract.brand_total == 30_000 + 1_500  # the cap and the brand fee on it


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price_min": 0, "price_max": 0}, "price_min"),  # no outcome terms: a price is needed
        ({"price_min": 0, "price_max": 0, "commission_bps": 1000, "outcome_cap": 20},
         "price_min"),  # the cap with its fee is under Stripe's 0.50 USD minimum
        ({"price_min": -1, "price_max": 0, **TERMS}, "price_min"),
    ],
)  # fmt: skip
def test_the_api_refuses_a_price_of_zero_without_a_chargeable_cap(client, body, field):
    response = client.post(
        "/api/v1/campaigns", json=api_json(**body), headers=_auth(make_user("brand"))
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


def test_a_bid_of_zero_needs_outcome_terms_and_a_chargeable_cap(client):
    kol = make_kol(verified=True)
    flat = make_campaign()
    body = {"price": 0, "pitch": "Hi", "proposed_delivery": delivery_for(flat)}
    refused = client.post(f"/api/v1/campaigns/{flat.id}/bids", json=body, headers=_auth(kol))
    assert refused.status_code == 422 and "price" in refused.get_json()["error"]["fields"]
    tiny = client.post(
        f"/api/v1/campaigns/{flat.id}/bids",
        json={**body, "terms": {"commission_bps": 500, "outcome_cap": 10}},
        headers=_auth(kol),
    )
    assert tiny.status_code == 422 and "outcome_cap" in tiny.get_json()["error"]["fields"]
    assert db.session.scalar(select(Bid.id)) is None


def test_a_kol_bids_zero_on_the_web_and_sees_what_the_brand_funds(app):
    campaign = make_campaign(price_min=0, price_max=0, **TERMS)
    client = signed_in(app, make_kol(verified=True))
    url = f"/campaigns/{campaign.id}/bid"
    data = {"price": "0", "pitch": "Commission only", "proposed_delivery": delivery_for(campaign),
            "commission_percent": "10", "outcome_cap": "200"}  # fmt: skip
    preview = post_form(client, url, data)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    assert 'name="confirm_price"' in preview.get_data(as_text=True)
    sent = post_form(client, url, {**data, "confirm_price": "0"})
    assert sent.status_code == 302
    bid = db.session.scalar(select(Bid))
    assert (bid.price, bid.outcome_cap, bid.commission_bps) == (0, 20_000, 1000)
    # Without the cap the same bid is refused on the page, naming the price.
    flat = make_campaign()
    page = post_form(client, f"/campaigns/{flat.id}/bid", {**data, "outcome_cap": "",
                                                           "commission_percent": ""})  # fmt: skip
    assert page.status_code == 422
    assert "unless the deal pays a commission" in page.get_data(as_text=True)


@pytest.mark.usefixtures("books_balance")
def test_a_commission_only_deal_is_funded_settled_and_the_books_agree(app, stripe_emulator):
    deal = outcome_deal(app, stripe_emulator, price=0, bonus_amount=0, bonus_metric=None,
                        bonus_threshold=0)  # fmt: skip
    contract, brand = deal.contract, deal.brand
    funding = db.session.scalar(select(Funding).where(Funding.contract_id == contract.id))
    assert funding.amount == 20_000 + 1_000 and funding.status == "paid"
    # Approval released nothing: there is no flat price to pay.
    assert db.session.scalars(select(Payout).where(Payout.contract_id == contract.id)).all() == []
    human = click(deal.note, later(contract, hours=1))
    order(brand, "C-1", 50_000, later(contract, hours=2), click_id=human)  # 5,000 commission
    db.session.commit()
    settle_contract(contract_id=contract.id, now=later(contract, days=30))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    [payout] = db.session.scalars(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.amount == 5_000 - 500 and payout.status == "paid"
    assert balance(HELD, "usd", contract_id=contract.id) == 0  # the cap's rest went back
    assert ledger_problems() == []
