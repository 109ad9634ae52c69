"""The negotiation history records each offer's terms (commission, bonus, cap), not only its
price, and shows them on the bid's page and in the API."""

from __future__ import annotations

from app.bids.models import Offer
from app.extensions import db
from tests.bids.support import delivery_for
from tests.conftest import signed_in
from tests.factories import make_api_key, make_bid, make_campaign, make_kol

TERMS = {"commission_bps": 1000, "bonus_amount": 5_000, "bonus_metric": "views",
         "bonus_threshold": 10_000, "outcome_cap": 20_000}  # fmt: skip


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_each_offer_keeps_the_terms_it_put_on_the_table(app, client):
    campaign = make_campaign(**TERMS)
    kol = make_kol(verified=True)
    made = client.post(
        f"/api/v1/campaigns/{campaign.id}/bids",
        json={"price": 40_000, "pitch": "Me", "proposed_delivery": delivery_for(campaign),
              "terms": {"commission_bps": 1500}},
        headers=_auth(kol),
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    bid_id = made.get_json()["id"]
    brand = db.session.get(type(kol), campaign.brand_id)
    counter = client.post(
        f"/api/v1/bids/{bid_id}/counter",
        json={"price": 40_000, "terms": {"commission_bps": 1200, "outcome_cap": 30_000}},
        headers=_auth(brand),
    )
    assert counter.status_code == 200, counter.get_json()
    offers = counter.get_json()["offers"]
    assert [(o["by"], o["price"], o["terms"]["commission_bps"], o["terms"]["outcome_cap"])
            for o in offers] == [("kol", 40_000, 1500, 20_000),
                                 ("brand", 40_000, 1200, 30_000)]  # fmt: skip
    assert offers[1]["terms"]["bonus_amount"] == 5_000

    page = signed_in(app, brand).get(f"/bids/{bid_id}").get_data(as_text=True)
    history = page[page.index("Negotiation history") :]
    assert "15% commission" in history and "12% commission" in history
    assert "cap $200.00" in history and "cap $300.00" in history
    assert "$50.00 bonus at 10,000 views" in history


def test_offers_from_before_terms_were_recorded_say_so(app, client):
    bid = make_bid(make_campaign())
    page = signed_in(app, make_kol_of(bid)).get(f"/bids/{bid.id}").get_data(as_text=True)
    assert "Flat price only" in page[page.index("Negotiation history") :]
    offer = db.session.get(Offer, bid.offers[0].id)
    offer.terms_recorded = False
    db.session.commit()
    body = client.get(f"/api/v1/bids/{bid.id}", headers=_auth(make_kol_of(bid))).get_json()
    assert body["offers"][0]["terms"] is None
    page = signed_in(app, make_kol_of(bid)).get(f"/bids/{bid.id}").get_data(as_text=True)
    assert "Flat price only" not in page[page.index("Negotiation history") :]


def make_kol_of(bid):
    from app.auth.models import User

    return db.session.get(User, bid.kol_id)
