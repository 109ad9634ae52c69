"""A KOL's media-kit share links through the API (issue 22 parity): the same service as the
media-kit page; a revoked link stops opening the kit."""

from __future__ import annotations

from tests.factories import make_api_key, make_kol, make_user


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_a_kol_creates_lists_and_revokes_a_link(client):
    kol = make_kol(verified=True)
    auth = _auth(kol)
    unnamed = client.post("/api/v1/media-kit/links", headers=auth, json={"name": "  "})
    assert unnamed.status_code == 422 and "name" in unnamed.get_json()["error"]["fields"]
    too_long = client.post("/api/v1/media-kit/links", headers=auth, json={"name": "x" * 81})
    assert too_long.status_code == 422 and "name" in too_long.get_json()["error"]["fields"]
    made = client.post("/api/v1/media-kit/links", headers=auth, json={"name": "For Glow"})
    assert made.status_code == 201, made.get_json()
    link = made.get_json()
    path = link["url"].split("localhost", 1)[-1]
    assert path.startswith("/k/") and client.get(path).status_code == 200
    listed = client.get("/api/v1/media-kit/links", headers=auth).get_json()["items"]
    assert [x["name"] for x in listed] == ["For Glow"]
    revoked = client.post(f"/api/v1/media-kit/links/{link['id']}/revoke", headers=auth)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert client.get(path).status_code == 404


def test_others_cannot_revoke_or_make_links(client):
    kol = make_kol(verified=True)
    made = client.post("/api/v1/media-kit/links", headers=_auth(kol), json={"name": "Mine"})
    url = f"/api/v1/media-kit/links/{made.get_json()['id']}/revoke"
    assert client.post(url, headers=_auth(make_kol())).status_code == 404
    assert client.post(url, headers=_auth(make_user("brand"))).status_code == 403
    assert (
        client.get("/api/v1/media-kit/links", headers=_auth(make_user("brand"))).status_code == 403
    )
    assert client.get(made.get_json()["url"].split("localhost", 1)[-1]).status_code == 200
