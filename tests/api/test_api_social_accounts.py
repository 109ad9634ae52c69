"""A KOL's social accounts through the API (a parity gap of issue 22): added, given a new
follower count that waits for an admin, removed — and nobody else's."""

from __future__ import annotations

from tests.factories import make_api_key, make_kol


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_a_kol_adds_changes_and_removes_a_social_account(client):
    auth = _auth(make_kol())
    body = {"platform": "douyin", "handle": "@glowdaily", "followers": 12_000}
    added = client.post("/api/v1/profile/social-accounts", headers=auth, json=body)
    assert added.status_code == 201
    account = added.get_json()
    assert account["handle"] == "glowdaily" and account["verified_followers"] is None
    again = client.post("/api/v1/profile/social-accounts", headers=auth, json=body)
    assert again.status_code == 422

    url = f"/api/v1/profile/social-accounts/{account['id']}"
    assert client.patch(url, headers=auth, json={}).status_code == 422  # followers needed
    changed = client.patch(url, headers=auth, json={"followers": 15_000})
    assert changed.get_json()["followers"] == 15_000
    other = _auth(make_kol())
    assert client.patch(url, headers=other, json={"followers": 1}).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.delete(url, headers=auth).status_code == 204
    assert client.delete(url, headers=auth).status_code == 404
