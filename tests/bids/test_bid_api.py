"""The bids and contracts API: same rules as the web, JSON errors."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.bids.models import Bid
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.extensions import db
from tests.bids.support import Api, delivery_for
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user


def _brand(campaign) -> User:
    return db.session.get(User, campaign.brand_id)


def test_kol_creates_a_bid_and_the_brand_lists_it(app, client):
    campaign = make_campaign()
    kol = Api(client, make_kol(verified=True))
    response = kol.post(
        f"/campaigns/{campaign.id}/bids",
        {"price": 50_000, "pitch": "<b>hi</b>", "proposed_delivery": delivery_for(campaign)},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["turn"], body["price"]) == ("pending", "brand", 50_000)
    assert body["fees"] == {
        "currency": "usd",
        "price": 50_000,
        "brand_fee": 2_500,
        "brand_total": 52_500,
        "kol_fee": 5_000,
        "kol_net": 45_000,
        "outcome_reserve": 0,
        "licence_fee": 0,
        "licence_brand_fee": 0,
        "licence_kol_fee": 0,
    }
    again = kol.post(
        f"/campaigns/{campaign.id}/bids",
        {"price": 40_000, "pitch": "x", "proposed_delivery": delivery_for(campaign)},
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"

    brand = Api(client, _brand(campaign))
    listed = brand.get(f"/campaigns/{campaign.id}/bids").get_json()["items"]
    assert [b["id"] for b in listed] == [body["id"]]
    assert listed[0]["kol"]["followers"] == 5_000
    assert Api(client, make_user("brand")).get(f"/campaigns/{campaign.id}/bids").status_code == 404
    assert kol.get(f"/campaigns/{campaign.id}/bids").status_code == 403


def test_api_validation_and_verification_errors(app, client):
    campaign = make_campaign()
    unverified = Api(client, make_kol())
    payload = {"price": 50_000, "pitch": "x", "proposed_delivery": delivery_for(campaign)}
    response = unverified.post(f"/campaigns/{campaign.id}/bids", payload)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    kol = Api(client, make_kol(verified=True))
    bad = kol.post(
        f"/campaigns/{campaign.id}/bids",
        {"price": "-1", "pitch": "", "proposed_delivery": "tomorrow"},
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"price", "pitch", "proposed_delivery"}
    bad = kol.post(
        f"/campaigns/{campaign.id}/bids",
        {"price": -1, "pitch": "", "proposed_delivery": delivery_for(campaign)},
    )
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"price", "pitch"}
    assert kol.post(f"/campaigns/{campaign.id}/bids", ["not", "an", "object"]).status_code == 422
    assert kol.post("/campaigns/999999/bids", payload).status_code == 404
    assert client.post(f"/api/v1/campaigns/{campaign.id}/bids", json=payload).status_code == 401
    assert db.session.scalar(select(func.count(Bid.id))) == 0


def test_negotiation_over_the_api_with_turns(app, client):
    bid = make_bid(price=50_000)
    campaign = db.session.get(Campaign, bid.campaign_id)
    brand = Api(client, _brand(campaign))
    kol = Api(client, db.session.get(User, bid.kol_id))

    assert kol.post(f"/bids/{bid.id}/accept").status_code == 409  # the brand's turn
    countered = brand.post(f"/bids/{bid.id}/counter", {"price": 42_000, "message": "ok?"})
    assert countered.status_code == 200 and countered.get_json()["turn"] == "kol"
    assert brand.post(f"/bids/{bid.id}/counter", {"price": 41_000}).status_code == 409
    assert brand.post(f"/bids/{bid.id}/counter", {"message": "no price"}).status_code == 409
    assert kol.post(f"/bids/{bid.id}/counter", {"price": "x"}).status_code == 422
    contract = kol.post(f"/bids/{bid.id}/accept")
    assert contract.status_code == 201
    assert contract.get_json()["price"] == 42_000 and contract.get_json()["kol_net"] == 37_800
    assert kol.post(f"/bids/{bid.id}/accept").status_code == 409
    assert kol.post(f"/bids/{bid.id}/withdraw").status_code == 409
    assert db.session.scalar(select(func.count(Contract.id))) == 1

    shown = kol.get(f"/bids/{bid.id}").get_json()
    assert [o["by"] for o in shown["offers"]] == ["kol", "brand"] and shown["status"] == "accepted"
    assert Api(client, make_kol(verified=True)).get(f"/bids/{bid.id}").status_code == 404


def test_reject_and_withdraw_over_the_api(app, client):
    first, second = make_bid(), make_bid()
    brand = Api(client, _brand(db.session.get(Campaign, first.campaign_id)))
    rejected = brand.post(f"/bids/{first.id}/reject", {"reason": "Not this time"})
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reject_reason"] == "Not this time"
    kol = Api(client, db.session.get(User, second.kol_id))
    assert kol.post(f"/bids/{second.id}/withdraw").get_json()["status"] == "withdrawn"
    assert brand.post(f"/bids/{second.id}/withdraw").status_code == 403  # KOLs only


def test_my_bids_lists_only_mine(app, client):
    mine = make_bid()
    make_bid()
    kol = Api(client, db.session.get(User, mine.kol_id))
    body = kol.get("/bids").get_json()
    assert [b["id"] for b in body["items"]] == [mine.id] and body["total"] == 1
    brand = Api(client, _brand(db.session.get(Campaign, mine.campaign_id)))
    assert [b["id"] for b in brand.get("/bids?status=waiting").get_json()["items"]] == [mine.id]


def test_contracts_and_messages_over_the_api(app, client):
    contract = make_contract()
    brand = Api(client, db.session.get(User, contract.brand_id))
    kol = Api(client, db.session.get(User, contract.kol_id))
    outsider = Api(client, make_user("brand"))
    assert [c["id"] for c in brand.get("/contracts").get_json()["items"]] == [contract.id]
    assert outsider.get("/contracts").get_json()["items"] == []
    assert kol.get(f"/contracts/{contract.id}").get_json()["status"] == "awaiting_funding"
    assert outsider.get(f"/contracts/{contract.id}").status_code == 404
    admin = Api(client, make_user("admin"))
    assert admin.get(f"/contracts/{contract.id}").status_code == 200

    posted = kol.post(f"/contracts/{contract.id}/messages", {"body": "<script>x</script> hi"})
    assert posted.status_code == 201
    assert brand.get(f"/contracts/{contract.id}/messages").get_json()["items"][0]["body"] == (
        "<script>x</script> hi"  # stored as plain text; escaped wherever it is shown
    )
    assert kol.post(f"/contracts/{contract.id}/messages", {"body": ""}).status_code == 422
    assert kol.post(f"/contracts/{contract.id}/messages", {"body": "x" * 5001}).status_code == 422
    assert outsider.post(f"/contracts/{contract.id}/messages", {"body": "hi"}).status_code == 404
    assert outsider.get(f"/contracts/{contract.id}/messages").status_code == 404


def test_every_endpoint_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [
        ("/campaigns/{campaign_id}/bids", "get"),
        ("/campaigns/{campaign_id}/bids", "post"),
        ("/bids", "get"),
        ("/bids/{bid_id}", "get"),
        ("/bids/{bid_id}/accept", "post"),
        ("/bids/{bid_id}/reject", "post"),
        ("/bids/{bid_id}/counter", "post"),
        ("/bids/{bid_id}/withdraw", "post"),
        ("/contracts", "get"),
        ("/contracts/{contract_id}", "get"),
        ("/contracts/{contract_id}/messages", "get"),
        ("/contracts/{contract_id}/messages", "post"),
    ]:
        assert method in paths[path], (method, path)


def test_bid_and_contract_lists_page_like_every_api_list(app, client):
    """The same envelope as /api/v1/campaigns and /api/v1/explore: items, page, per_page,
    pages, total — and a page size out of range is a 422 naming it, as on every list."""
    kol = make_kol(verified=True)
    for _ in range(3):
        make_bid(kol=kol)
    api = Api(client, kol)
    body = api.get("/bids?per_page=2&page=2").get_json()
    assert (body["page"], body["per_page"], body["pages"], body["total"]) == (2, 2, 2, 3)
    assert len(body["items"]) == 1
    contract = make_contract()
    brand = Api(client, db.session.get(User, contract.brand_id))
    listed = brand.get("/contracts?per_page=5").get_json()
    assert (listed["per_page"], listed["pages"], listed["total"]) == (5, 1, 1)
    for path in ("/bids?per_page=1000", "/bids?per_page=0", "/contracts?page=-1&per_page=0"):
        answer = (api if path.startswith("/bids") else brand).get(path)
        assert answer.status_code == 422, path
        assert "per_page" in answer.get_json()["error"]["fields"]


def test_the_api_refuses_a_bid_over_the_remaining_budget_naming_price(app, client):
    campaign = make_campaign()  # budget 300_000
    campaign.committed_amount = 250_000
    db.session.commit()
    kol = Api(client, make_kol(verified=True))
    response = kol.post(
        f"/campaigns/{campaign.id}/bids",
        {"price": 60_000, "pitch": "Hi", "proposed_delivery": delivery_for(campaign)},
    )
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["fields"]) == {"price"}
    assert db.session.scalar(select(func.count(Bid.id))) == 0
