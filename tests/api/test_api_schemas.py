"""The API's declared schemas hold at the door: too long, unknown, ambiguous amounts and pages."""

import pytest

from app.auth.models import User
from app.bids.models import Bid
from app.campaigns.models import Campaign
from app.extensions import db
from app.notes.models import Note
from tests.bids.support import delivery_for
from tests.campaigns.helpers import api_json
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_kol,
    make_user,
)
from tests.notes.support import GOOD_TEXT, draft_note, funded_contract

ENVELOPE = {"items", "page", "per_page", "total", "pages"}


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def _fields(response) -> set[str]:
    assert response.status_code == 422, response.get_json()
    return set(response.get_json()["error"]["fields"])


def test_an_over_long_campaign_title_is_refused_not_cut(client):
    brand = make_user("brand")
    response = client.post(
        "/api/v1/campaigns", json=api_json(title="x" * 100_000), headers=_auth(brand)
    )
    assert _fields(response) == {"title"}
    assert db.session.query(Campaign).count() == 0
    draft = client.post("/api/v1/campaigns", json=api_json(), headers=_auth(brand)).get_json()
    patched = client.patch(
        f"/api/v1/campaigns/{draft['id']}", json={"title": "y" * 141}, headers=_auth(brand)
    )
    assert _fields(patched) == {"title"}
    assert db.session.get(Campaign, draft["id"]).title == api_json()["title"]


def test_an_over_long_note_title_is_refused_not_cut(client):
    contract = funded_contract()
    note = draft_note(contract, **GOOD_TEXT)
    kol = db.session.get(User, contract.kol_id)
    response = client.put(
        f"/api/v1/contracts/{contract.id}/note", json={"title": "t" * 141}, headers=_auth(kol)
    )
    assert _fields(response) == {"title"}
    db.session.expire_all()
    assert db.session.get(Note, note.id).title == GOOD_TEXT["title"]


def test_unknown_fields_are_refused_everywhere(client):
    brand, kol = make_user("brand"), make_kol(verified=True)
    campaign = make_campaign(brand)
    bid = make_bid(campaign, kol)
    contract = make_contract(make_bid(make_campaign(brand)))
    calls = [
        ("post", "/api/v1/campaigns", brand, {**api_json(), "is_admin": True}),
        ("patch", f"/api/v1/campaigns/{campaign.id}", brand, {"status": "completed"}),
        ("post", f"/api/v1/bids/{bid.id}/counter", brand, {"price": 40_000, "turn": "brand"}),
        ("post", f"/api/v1/bids/{bid.id}/reject", brand, {"reason": "no", "status": "x"}),
        (
            "post",
            f"/api/v1/contracts/{contract.id}/messages",
            brand,
            {"body": "hi", "sender_id": 1},
        ),
        ("get", "/api/v1/campaigns?owner=1", brand, None),
        ("get", "/api/v1/bids?kol_id=1", kol, None),
    ]
    for method, url, user, body in calls:
        response = getattr(client, method)(url, json=body, headers=_auth(user))
        unknown = _fields(response)
        assert unknown & {"is_admin", "status", "turn", "sender_id", "owner", "kol_id"}, url
    assert db.session.query(Campaign).count() == 2


@pytest.mark.parametrize("amount", [100.0, 500.5, "50000", "500.00", True, None])
def test_an_amount_that_is_not_a_whole_number_of_minor_units_is_refused(client, amount):
    brand, kol = make_user("brand"), make_kol(verified=True)
    created = client.post("/api/v1/campaigns", json=api_json(budget=amount), headers=_auth(brand))
    assert _fields(created) == {"budget"}
    campaign = make_campaign(brand)
    bid = {"price": amount, "pitch": "Hi", "proposed_delivery": delivery_for(campaign)}
    response = client.post(f"/api/v1/campaigns/{campaign.id}/bids", json=bid, headers=_auth(kol))
    assert _fields(response) == {"price"}
    assert db.session.query(Bid).count() == 0


def test_a_bid_price_is_in_minor_units_like_a_campaign_budget(client):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    bid = {"price": 10_000, "pitch": "Hi", "proposed_delivery": delivery_for(campaign)}
    response = client.post(f"/api/v1/campaigns/{campaign.id}/bids", json=bid, headers=_auth(kol))
    assert response.status_code == 201 and response.get_json()["price"] == 10_000
    assert db.session.get(Bid, response.get_json()["id"]).price == 10_000  # $100.00, not 100x


def test_every_list_answers_the_same_paged_envelope(client):
    brand, kol = make_user("brand"), make_kol(verified=True)
    campaign = make_campaign(brand)
    make_bid(campaign, kol)
    contract = make_contract(make_bid(make_campaign(brand), make_kol(verified=True)))
    kol_of_contract = db.session.get(User, contract.kol_id)
    lists = [
        ("/api/v1/campaigns", brand),
        ("/api/v1/bids", brand),
        (f"/api/v1/campaigns/{campaign.id}/bids", brand),
        ("/api/v1/contracts", brand),
        (f"/api/v1/contracts/{contract.id}/messages", brand),
        (f"/api/v1/contracts/{contract.id}/ledger", brand),
        ("/api/v1/payouts", kol_of_contract),
        ("/api/v1/explore", None),
    ]
    for url, user in lists:
        headers = _auth(user) if user else {}
        body = client.get(f"{url}?per_page=1", headers=headers).get_json()
        assert set(body) - {"next_cursor"} == ENVELOPE and body["per_page"] == 1, url
        too_many = client.get(f"{url}?per_page=101", headers=headers)
        assert "per_page" in _fields(too_many), url
    assert (
        client.get(f"/api/v1/campaigns/{campaign.id}/bids", headers=_auth(brand)).get_json()[
            "total"
        ]
        == 1
    )


def test_the_document_is_generated_openapi_3_1_with_the_services_limits(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    fields = document["components"]["schemas"]["CampaignInput"]["properties"]
    assert fields["title"]["maxLength"] == 140
    limits = {name: (fields[name]["minimum"], fields[name]["maximum"]) for name in (
        "notes_wanted", "revision_rounds", "review_window_days", "keep_live_days",
        "attribution_days")}  # fmt: skip
    assert limits == {
        "notes_wanted": (1, 1000),
        "revision_rounds": (0, 10),
        "review_window_days": (1, 30),
        "keep_live_days": (0, 365),
        "attribution_days": (1, 90),
    }
    assert fields["budget"]["type"] == "integer" and fields["budget"]["minimum"] == 1
    assert document["components"]["schemas"]["NewBid"]["properties"]["price"]["type"] == "integer"


def test_the_docs_page_serves_swagger_ui_from_here(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html and "http" not in html.replace("http-equiv", "")
    assert client.get("/api/v1/docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/swagger-ui.css").status_code == 200
