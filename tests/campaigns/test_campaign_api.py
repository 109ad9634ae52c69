"""/api/v1/campaigns: the same services and rules as the web, JSON in minor units."""

import pytest

from app.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from app.extensions import db
from tests.campaigns.helpers import api_json
from tests.factories import make_api_key, make_campaign, make_kol, make_user

S = CampaignStatus


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


@pytest.fixture
def brand():
    return make_user("brand")


def test_create_read_update_publish_close_reopen_cancel(client, brand):
    headers = _auth(brand)
    response = client.post("/api/v1/campaigns", json=api_json(), headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["budget"] == 300_000 and body["currency"] == "usd"
    assert body["required_hashtags"] == ["#glow"] and body["niches"] == ["beauty"]
    assert body["application_deadline"].endswith("Z")
    assert "<strong>serum</strong>" in body["brief_html"]
    url = f"/api/v1/campaigns/{body['id']}"
    assert client.get(url, headers=headers).get_json()["title"] == "Summer glow"
    patched = client.patch(url, json={"title": "Autumn glow", "price_max": 90_000}, headers=headers)
    assert patched.status_code == 200
    assert (patched.get_json()["title"], patched.get_json()["price_max"]) == ("Autumn glow", 90_000)
    assert patched.get_json()["price_min"] == 20_000  # untouched fields stay
    for action, status in (
        ("publish", "open"),
        ("close", "closed"),
        ("reopen", "open"),
        ("cancel", "cancelled"),
    ):
        response = client.post(f"{url}/{action}", headers=headers)
        assert response.status_code == 200 and response.get_json()["status"] == status


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"budget": "3000"}, "budget"),
        ({"budget": 12.5}, "budget"),
        ({"budget": -1}, "budget"),
        ({"price_min": 0}, "price_min"),
        ({"price_max": 900_000}, "price_max"),
        ({"notes_wanted": 0}, "notes_wanted"),
        ({"currency": "btc"}, "currency"),
        ({"product_url": "javascript:alert(1)"}, "product_url"),
        ({"application_deadline": "yesterday"}, "application_deadline"),
        ({"application_deadline": "2001-01-01T00:00:00Z"}, "application_deadline"),
        ({"delivery_deadline": "2001-01-01T00:00:00+08:00"}, "delivery_deadline"),
        ({"niches": "beauty"}, "niches"),
        ({"regions": ["Atlantis"]}, "regions"),
        ({"required_hashtags": ["ok", "not ok!"]}, "required_hashtags"),
        ({"review_window_days": 99}, "review_window_days"),
        ({"is_admin": True}, "is_admin"),
    ],
)
def test_validation_errors_are_422_with_the_field(client, brand, overrides, field):
    response = client.post("/api/v1/campaigns", json=api_json(**overrides), headers=_auth(brand))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert db.session.query(Campaign).filter_by(brand_id=brand.id).count() == 0


def test_bad_json_is_400_and_a_body_that_is_not_an_object_is_422(client, brand):
    headers = {**_auth(brand), "Content-Type": "application/json"}
    response = client.post("/api/v1/campaigns", data="{not json", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    for body in ("[1, 2]", '"text"'):
        response = client.post("/api/v1/campaigns", data=body, headers=headers)
        assert response.status_code == 422, body
        assert "body" in response.get_json()["error"]["fields"]


def test_auth_roles_and_ownership(client, brand):
    draft = make_campaign(brand, status=S.DRAFT)
    url = f"/api/v1/campaigns/{draft.id}"
    assert client.get("/api/v1/campaigns").status_code == 401
    assert client.post("/api/v1/campaigns", json=api_json()).status_code == 401
    kol = _auth(make_kol(verified=True))
    assert client.post("/api/v1/campaigns", json=api_json(), headers=kol).status_code == 403
    assert client.post(f"{url}/publish", headers=kol).status_code == 403
    assert client.patch(url, json={"title": "x"}, headers=kol).status_code == 403
    assert client.get(url, headers=kol).status_code == 404  # drafts are the brand's alone
    other = _auth(make_user("brand"))
    assert client.get(url, headers=other).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=other).status_code == 404
    for action in ("publish", "close", "cancel"):
        assert client.post(f"{url}/{action}", headers=other).status_code == 404
    assert client.get("/api/v1/campaigns/999999", headers=other).status_code == 404


def test_illegal_moves_and_edits_are_409(client, brand):
    headers = _auth(brand)
    live = make_campaign(brand)
    url = f"/api/v1/campaigns/{live.id}"
    assert client.post(f"{url}/publish", headers=headers).status_code == 409
    assert client.post(f"{url}/reopen", headers=headers).status_code == 409
    response = client.patch(url, json={"title": "Changed"}, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    client.post(f"{url}/cancel", headers=headers)
    for action in ("publish", "close", "reopen", "cancel"):
        response = client.post(f"{url}/{action}", headers=headers)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "illegal_transition"


def test_publishing_an_incomplete_draft_is_422(client, brand):
    headers = _auth(brand)
    created = client.post("/api/v1/campaigns", json=api_json(brief=""), headers=headers)
    response = client.post(f"/api/v1/campaigns/{created.get_json()['id']}/publish", headers=headers)
    assert response.status_code == 422 and "brief" in response.get_json()["error"]["fields"]


def test_list_with_filters_pagination_and_kol_fit(client, brand):
    for i in range(3):
        make_campaign(brand, title=f"Serum {i}", price_max=50_000 + i)
    picky = make_campaign(brand, title="Tokyo only", brief="Ramen", price_max=40_000)
    picky.targets = [CampaignTarget(kind="region", value="JP")]
    make_campaign(brand, title="Draft", status=S.DRAFT)
    db.session.commit()
    kol = _auth(make_kol(verified=True))
    body = client.get("/api/v1/campaigns?per_page=2&sort=price", headers=kol).get_json()
    assert body["total"] == 4 and body["pages"] == 2 and len(body["items"]) == 2
    assert [c["title"] for c in body["items"]] == ["Serum 2", "Serum 1"]
    assert body["items"][0]["fit"]["qualifies"] is True
    found = client.get("/api/v1/campaigns?region=CN", headers=kol).get_json()
    assert "Tokyo only" not in [c["title"] for c in found["items"]]
    tokyo = client.get("/api/v1/campaigns?q=ramen", headers=kol).get_json()["items"][0]
    assert tokyo["fit"]["qualifies"] is False and tokyo["fit"]["blockers"]
    priced = client.get(
        "/api/v1/campaigns?currency=usd&price_min=50001", headers=_auth(brand)
    ).get_json()
    assert {c["title"] for c in priced["items"]} == {"Serum 1", "Serum 2"}
    assert "fit" not in priced["items"][0]


@pytest.mark.parametrize(
    "query", ["per_page=101", "per_page=0", "page=0", "price_min=abc&currency=usd", "price_min=5"]
)
def test_list_rejects_bad_parameters_with_422(client, brand, query):
    response = client.get(f"/api/v1/campaigns?{query}", headers=_auth(brand))
    assert response.status_code == 422


def test_operations_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/campaigns"]) == {"get", "post"}
    assert set(paths["/campaigns/{campaign_id}"]) == {"get", "patch"}
    for action in ("publish", "close", "cancel", "reopen"):
        assert "post" in paths[f"/campaigns/{{campaign_id}}/{action}"]
    assert {"Campaign", "CampaignInput", "CampaignList"} <= set(document["components"]["schemas"])
