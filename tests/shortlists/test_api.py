"""The API of issue 22: GET /api/v1/kols searches with Find KOLs' filters and pages by cursor;
shortlists and invitations are in the API with the web's rules."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_api_key, make_campaign, make_user
from tests.shortlists.support import invitations_of, named_kol, times_told


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_kol_search_filters_and_pages_by_cursor(client):
    kols = [named_kol(f"Cursor {i}", followers=10_000 * (i + 1)) for i in range(5)]
    named_kol("Not verified", verified=False)
    brand = make_user("brand")
    headers = _auth(brand)
    seen, cursor = [], None
    while True:
        query = {"sort": "followers", "per_page": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/kols", query_string=query, headers=headers).get_json()
        seen += [item["display_name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Cursor {i}" for i in (4, 3, 2, 1, 0)]  # each once, most followers first
    filtered = client.get(
        "/api/v1/kols?followers_min=35000&currency=usd&price_max=30000", headers=headers
    ).get_json()["items"]
    assert {k["id"] for k in filtered} == {kols[3].id, kols[4].id}
    assert filtered[0]["rate_image"] == 30_000 and filtered[0]["reliability"] is None
    for sort in ("relevance", "rating", "reliability"):
        body = client.get(f"/api/v1/kols?sort={sort}&q=Cursor", headers=headers).get_json()
        assert len(body["items"]) == 5, sort


def test_kol_search_refuses_what_it_does_not_understand(client):
    headers = _auth(make_user("brand"))
    for query, field in (("cursor=bogus", "cursor"), ("tier=huge", "tier"),
                         ("price_max=100", "currency"), ("colour=red", "colour")):  # fmt: skip
        response = client.get(f"/api/v1/kols?{query}", headers=headers)
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["fields"], query
    assert client.get("/api/v1/kols").status_code == 401


def test_shortlists_crud_and_invite_through_the_api(client):
    brand, other = make_user("brand"), make_user("brand")
    kols = [named_kol(f"Api {i}") for i in range(3)]
    campaign = make_campaign(brand, invite_only=True)
    headers = _auth(brand)
    created = client.post("/api/v1/shortlists", json={"name": "API picks"}, headers=headers)
    assert created.status_code == 201
    sid = created.get_json()["id"]
    twice = client.post("/api/v1/shortlists", json={"name": "API picks"}, headers=headers)
    assert twice.status_code == 422 and "name" in twice.get_json()["error"]["fields"]
    for kol in kols:
        added = client.put(f"/api/v1/shortlists/{sid}/kols/{kol.id}", headers=headers)
        assert added.status_code == 200
    client.put(f"/api/v1/shortlists/{sid}/kols/{kols[0].id}", headers=headers)  # again: no change
    client.delete(f"/api/v1/shortlists/{sid}/kols/{kols[2].id}", headers=headers)
    body = client.get(f"/api/v1/shortlists/{sid}", headers=headers).get_json()
    assert body["kol_ids"] == [kols[0].id, kols[1].id]
    assert [k["display_name"] for k in body["kols"]] == ["Api 0", "Api 1"]
    renamed = client.patch(f"/api/v1/shortlists/{sid}", json={"name": "Final"}, headers=headers)
    assert renamed.get_json()["name"] == "Final"
    assert client.get("/api/v1/shortlists", headers=headers).get_json()["total"] == 1

    url = f"/api/v1/shortlists/{sid}/invitations"
    sent = client.post(url, json={"campaign_id": campaign.id}, headers=headers).get_json()
    assert sent["invited"] == [kols[0].id, kols[1].id] and sent["already_invited"] == []
    again = client.post(url, json={"campaign_id": campaign.id}, headers=headers).get_json()
    assert again["invited"] == [] and again["already_invited"] == [kols[0].id, kols[1].id]
    assert invitations_of(campaign.id) == {kols[0].id: 1, kols[1].id: 1}
    assert times_told(kols[0].id) == 1

    one = client.post(
        f"/api/v1/campaigns/{campaign.id}/invitations", json={"kol_id": kols[2].id},
        headers=headers,
    )  # fmt: skip
    assert one.status_code == 201 and one.get_json()["kol_id"] == kols[2].id
    mine = client.get("/api/v1/invitations", headers=_auth(kols[2])).get_json()["items"]
    assert [i["campaign_id"] for i in mine] == [campaign.id]

    stranger = _auth(other)
    assert client.get(f"/api/v1/shortlists/{sid}", headers=stranger).status_code == 404
    refused = client.post(url, json={"campaign_id": campaign.id}, headers=stranger)
    assert refused.status_code == 404
    assert client.delete(f"/api/v1/shortlists/{sid}", headers=headers).status_code == 204
    db.session.expire_all()
    assert client.get(f"/api/v1/shortlists/{sid}", headers=headers).status_code == 404
