"""Outcome terms through the API and the web forms (422 naming the field), conversion
reversals within the return window, and promo codes chosen by the KOL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.analytics.models import Conversion, HourlyRollup
from app.analytics.services import record_conversion
from app.analytics.tracking import new_click_id
from app.auth.models import User
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.db_types import utcnow
from app.extensions import db
from tests.campaigns.helpers import api_json
from tests.conftest import post_form, signed_in
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_deal,
    make_kol,
    make_user,
)


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


TERMS = {"commission_bps": 1000, "bonus_amount": 5_000, "bonus_metric": "views",
         "bonus_threshold": 10_000, "outcome_cap": 20_000}  # fmt: skip


def test_a_campaign_carries_terms_to_its_bids_and_contracts(client):
    brand = make_user("brand")
    response = client.post("/api/v1/campaigns", json=api_json(**TERMS), headers=_auth(brand))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in TERMS} == TERMS and body["performance_days"] == 30
    campaign = db.session.get(Campaign, body["id"])
    campaign.status = "open"
    campaign.published_at = utcnow()
    db.session.commit()
    kol = make_kol(verified=True)
    kol_api = _auth(kol)
    bid = client.post(
        f"/api/v1/campaigns/{campaign.id}/bids",
        json={"price": 50_000, "pitch": "Me", "proposed_delivery": str(utcnow().date() + timedelta(days=20)),
              "terms": {"commission_bps": 1500}},
        headers=kol_api,
    )  # fmt: skip
    assert bid.status_code in (200, 201), bid.get_json()
    assert bid.get_json()["terms"] == {**TERMS, "commission_bps": 1500, "commission_fixed": 0,
                                       "performance_days": 30, "return_days": 14,
                                       "licence_scope": None, "licence_days": 0,
                                       "licence_fee": 0}  # fmt: skip
    bid_id = bid.get_json()["id"]
    counter = client.post(
        f"/api/v1/bids/{bid_id}/counter",
        json={"price": 60_000, "terms": {"commission_bps": 1200, "outcome_cap": 30_000}},
        headers=_auth(brand),
    )
    assert counter.status_code == 200, counter.get_json()
    assert counter.get_json()["terms"]["commission_bps"] == 1200
    accepted = client.post(f"/api/v1/bids/{bid_id}/accept", headers=kol_api)
    assert accepted.status_code == 201, accepted.get_json()
    contract = db.session.get(Contract, accepted.get_json()["id"])
    assert (contract.commission_bps, contract.outcome_cap, contract.bonus_amount) == (
        1200, 30_000, 5_000,
    )  # fmt: skip
    assert contract.brand_total == 60_000 + 3_000 + 30_000 + 1_500
    assert db.session.get(Campaign, campaign.id).committed_amount == 90_000


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"commission_bps": 1000}, "outcome_cap"),  # something to pay needs a cap
        ({"outcome_cap": 5_000}, "outcome_cap"),  # a cap with nothing to pay
        ({"commission_bps": 9000, "outcome_cap": 100}, "commission_bps"),
        (
            {
                "bonus_amount": 900,
                "outcome_cap": 500,
                "bonus_metric": "views",
                "bonus_threshold": 10,
            },
            "bonus_amount",
        ),
        ({"bonus_amount": 100, "outcome_cap": 500}, "bonus_threshold"),
        ({"bonus_metric": "likes"}, "bonus_metric"),
        ({"commission_fixed": -1}, "commission_fixed"),
        ({"performance_days": 0}, "performance_days"),
        ({"return_days": "7"}, "return_days"),
    ],
)
def test_bad_terms_are_422_naming_the_field(client, terms, field):
    brand = make_user("brand")
    response = client.post("/api/v1/campaigns", json=api_json(**terms), headers=_auth(brand))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_campaign_form_reads_a_percent_and_names_bad_fields(app):
    brand = make_user("brand")
    client = signed_in(app, brand)
    form = {"title": "Glow", "brief": "b", "product_name": "p",
            "product_url": "https://shop.example/p", "category": "beauty",
            "content_format": "image", "currency": "usd", "notes_wanted": "1",
            "budget": "3000", "price_min": "200", "price_max": "1000",
            "application_deadline": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "delivery_deadline": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "revision_rounds": "2", "review_window_days": "3", "keep_live_days": "30",
            "attribution_days": "7", "min_followers": "0", "performance_days": "30",
            "return_days": "14"}  # fmt: skip
    bad = post_form(client, "/campaigns/new", {**form, "commission_percent": "ten"})
    assert bad.status_code == 422 and "Enter a percent" in bad.get_data(as_text=True)
    good = post_form(
        client,
        "/campaigns/new",
        {**form, "commission_percent": "12.5", "outcome_cap": "150", "bonus_metric": ""},
    )
    assert good.status_code in (302, 303), good.get_data(as_text=True)[:300]
    campaign = db.session.query(Campaign).filter_by(brand_id=brand.id).one()
    assert (campaign.commission_bps, campaign.outcome_cap) == (1250, 15_000)


def _reported(deal, order_id: str, days_ago: int) -> Conversion:
    """An order the brand's server reported, through a click on the note ``days_ago``."""
    at = utcnow() - timedelta(days=days_ago)
    conversion, _new = record_conversion(
        brand_id=deal.brand.id, order_id=order_id, value=10_000, currency="usd",
        occurred_at=at, click_id=new_click_id(deal.note.id, at.timestamp()),
    )  # fmt: skip
    db.session.commit()
    assert conversion.attributed
    return conversion


def _counted_orders(note_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(HourlyRollup.conversions), 0)).where(
            HourlyRollup.note_id == note_id
        )
    )


def test_the_brand_reverses_an_order_within_the_return_window_only(app, client):
    deal = make_deal("published", contract_fields={**TERMS, "return_days": 14})
    _reported(deal, "R-1", days_ago=3)
    _reported(deal, "R-2", days_ago=20)
    headers = _auth(deal.brand)
    url = "/api/v1/conversions/reversals"
    first = client.post(url, json={"order_id": "R-1"}, headers=headers)
    assert first.status_code == 200 and first.get_json()["reversed_at"]
    again = client.post(url, json={"order_id": "R-1"}, headers=headers)
    assert again.get_json()["reversed_at"] == first.get_json()["reversed_at"]
    assert _counted_orders(deal.note.id) == 1  # the dashboards no longer count R-1
    late = client.post(url, json={"order_id": "R-2"}, headers=headers)
    assert late.status_code == 409 and "return window" in late.get_json()["error"]["message"]
    other = client.post(url, json={"order_id": "R-1"}, headers=_auth(make_user("brand")))
    assert other.status_code == 404
    assert client.post(url, json={}, headers=headers).status_code == 422


def test_the_kol_chooses_a_promo_code_unique_per_brand(app, client):
    brand = make_user("brand")
    first = make_deal("published", brand=brand, contract_fields=TERMS)
    second = make_deal("funded", campaign=make_campaign(brand))
    kol_api = _auth(first.kol)
    url = f"/api/v1/contracts/{first.contract.id}/promo-code"
    assert client.put(url, json={"promo_code": "no!"}, headers=kol_api).status_code == 422
    saved = client.put(url, json={"promo_code": "glow10"}, headers=kol_api)
    assert saved.status_code == 200 and saved.get_json()["promo_code"] == "GLOW10"
    taken = client.put(
        f"/api/v1/contracts/{second.contract.id}/promo-code",
        json={"promo_code": "Glow10"},
        headers=_auth(second.kol),
    )
    assert taken.status_code == 422 and "promo_code" in taken.get_json()["error"]["fields"]
    assert (
        client.put(url, json={"promo_code": "X1Y2"}, headers=_auth(second.kol)).status_code == 404
    )
    # Shown to the KOL on the contract page and to readers on the note's page.
    page = signed_in(app, first.kol).get(f"/contracts/{first.contract.id}")
    assert "GLOW10" in page.get_data(as_text=True)
    assert "Cap on commission and bonus, with its brand fee" in page.get_data(as_text=True)
    note_page = client.get(f"/n/{first.note.id}", follow_redirects=True)
    assert "GLOW10" in note_page.get_data(as_text=True)
    # The web form: the KOL changes it; a code another contract of the brand uses is refused.
    kol = signed_in(app, first.kol)
    response = post_form(kol, f"/contracts/{first.contract.id}/promo-code",
                         {"promo_code": "SPRING5"}, page=f"/contracts/{first.contract.id}")  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Contract, first.contract.id).promo_code == "SPRING5"
    note_page = client.get(f"/n/{first.note.id}", follow_redirects=True)
    assert "SPRING5" in note_page.get_data(as_text=True)  # the cached page was dropped


def test_make_bid_keeps_the_campaigns_terms():
    campaign = make_campaign(**TERMS)
    bid = make_bid(campaign)
    assert bid.outcome_cap == 0  # the factory inserts bids directly; services copy the terms


def test_a_web_counter_offer_changes_the_terms_on_the_table(app):
    campaign = make_campaign(**TERMS)
    bid = make_bid(campaign, **TERMS)
    brand = signed_in(app, db.session.get(User, campaign.brand_id))
    page = brand.get(f"/bids/{bid.id}").get_data(as_text=True)
    assert "Cap on commission and bonus" in page and "10% of each counted order" in page
    assert 'name="commission_percent" placeholder="10" type="text" value="10"' in page
    form = {"price": "500", "confirm_price": "500", "message": "More commission, lower cap",
            "commission_percent": "15", "commission_fixed": "0", "bonus_amount": "50",
            "bonus_metric": "views", "bonus_threshold": "10000", "outcome_cap": "150"}  # fmt: skip
    bad = post_form(brand, f"/bids/{bid.id}/counter", {**form, "outcome_cap": "20"},
                    page=f"/bids/{bid.id}")  # fmt: skip
    assert bad.status_code == 422 and "cannot exceed" in bad.get_data(as_text=True)
    sent = post_form(brand, f"/bids/{bid.id}/counter", form, page=f"/bids/{bid.id}")
    assert sent.status_code == 302
    db.session.expire_all()
    bid = db.session.get(type(bid), bid.id)
    assert (bid.commission_bps, bid.outcome_cap, bid.bonus_amount) == (1500, 15_000, 5_000)


def test_the_kol_changes_the_terms_of_a_pending_bid(app):
    campaign = make_campaign(**TERMS)
    bid = make_bid(campaign, **TERMS)
    kol = signed_in(app, db.session.get(User, bid.kol_id))
    page = kol.get(f"/bids/{bid.id}/edit").get_data(as_text=True)
    assert 'name="outcome_cap" placeholder="0" type="text" value="200.00"' in page
    form = {"price": "500", "confirm_price": "500", "pitch": "Still me",
            "proposed_delivery": bid.proposed_delivery.isoformat(), "commission_percent": "20",
            "commission_fixed": "0", "bonus_amount": "50", "bonus_metric": "views",
            "bonus_threshold": "10000", "outcome_cap": "200"}  # fmt: skip
    sent = post_form(kol, f"/bids/{bid.id}/edit", form, page=f"/bids/{bid.id}/edit")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    db.session.expire_all()
    bid = db.session.get(type(bid), bid.id)
    assert bid.commission_bps == 2000 and len(bid.offers) == 2  # the change is a new offer
