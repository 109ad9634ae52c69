"""/api/v1 note endpoints: the same services and rules, JSON errors 401/403/404/409/422."""

import pytest

from app.auth.models import User
from app.contracts.models import ContractStatus
from app.extensions import db
from app.notes.models import NoteStatus
from tests.factories import make_api_key, make_kol, make_user
from tests.notes.support import (
    GOOD_TEXT,
    draft_note,
    end_keep_live,
    funded_contract,
    published_note,
    submitted_note,
)


def _auth(user_id):
    return {"Authorization": f"Bearer {make_api_key(db.session.get(User, user_id))}"}


def test_kol_writes_and_submits_a_note_through_the_api(client):
    contract = funded_contract(content_format="video")
    headers = _auth(contract.kol_id)
    payload = {**GOOD_TEXT, "hashtags": ["#glowserum", "ad"], "video_url": "https://v.example/1"}
    created = client.put(f"/api/v1/contracts/{contract.id}/note", json=payload, headers=headers)
    assert created.status_code == 201
    note = created.get_json()
    assert note["status"] == "draft" and note["hashtags"] == ["#glowserum", "#ad"]
    updated = client.put(
        f"/api/v1/contracts/{contract.id}/note", json={"title": "New title"}, headers=headers
    )
    assert updated.status_code == 200
    assert updated.get_json()["title"] == "New title"
    assert updated.get_json()["body"] == GOOD_TEXT["body"]  # omitted fields are kept
    submitted = client.post(f"/api/v1/notes/{note['id']}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    db.session.refresh(contract)
    assert contract.status == ContractStatus.IN_REVIEW


def test_put_validation_errors_name_the_field(client):
    contract = funded_contract()
    headers = _auth(contract.kol_id)
    url = f"/api/v1/contracts/{contract.id}/note"
    bad = client.put(url, json={"title": 5}, headers=headers)
    assert bad.status_code == 422 and "title" in bad.get_json()["error"]["fields"]
    bad = client.put(url, json={"video_url": "ftp://x"}, headers=headers)
    assert bad.status_code == 422
    assert client.put(url, data="nope", headers=headers).status_code == 422


def test_submit_reports_what_is_missing(client):
    contract = funded_contract(required_mentions="@glowco")
    note = draft_note(contract, body="No disclosure here", hashtags="")
    response = client.post(f"/api/v1/notes/{note.id}/submit", headers=_auth(contract.kol_id))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "#glowserum" in error["message"] and "@glowco" in error["message"]
    assert "disclosure" in error["message"]
    assert set(error["fields"]) >= {"hashtags", "body"}


def test_brand_requests_changes_and_approves(client):
    contract = funded_contract()
    note = submitted_note(contract)
    headers = _auth(contract.brand_id)
    response = client.post(
        f"/api/v1/notes/{note.id}/request-changes",
        json={"comment": "Add a photo of the bottle", "brief_item": "images"},
        headers=headers,
    )
    assert response.status_code == 200 and response.get_json()["status"] == "changes_requested"
    again = client.post(f"/api/v1/notes/{note.id}/approve", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "illegal_transition"
    client.post(f"/api/v1/notes/{note.id}/submit", headers=_auth(contract.kol_id))
    approved = client.post(f"/api/v1/notes/{note.id}/approve", headers=headers)
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "published" and body["url"].startswith(f"/n/{note.id}-")
    assert body["product_link"] == f"/go/{note.tracking_code}"


def test_republish_through_the_api(client):
    contract = funded_contract()
    note = published_note(contract)
    headers = _auth(contract.kol_id)
    assert client.post(f"/api/v1/notes/{note.id}/publish", headers=headers).status_code == 409
    end_keep_live(contract)
    from app.notes.publishing import take_down_note

    take_down_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    response = client.post(f"/api/v1/notes/{note.id}/publish", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "published"


def test_get_note_visibility(client):
    contract = funded_contract()
    note = draft_note(contract)
    url = f"/api/v1/notes/{note.id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_auth(contract.kol_id)).status_code == 200
    assert client.get(url, headers=_auth(contract.brand_id)).status_code == 404
    stranger = make_kol(verified=True)
    assert client.get(url, headers=_auth(stranger.id)).status_code == 404
    from app.notes import services

    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    services.approve_note(note_id=note.id, brand_id=contract.brand_id)
    db.session.commit()
    public = client.get(url, headers=_auth(stranger.id))
    assert public.status_code == 200 and public.get_json()["status"] == NoteStatus.PUBLISHED


@pytest.mark.parametrize(
    "method, path, role",
    [
        ("put", "/api/v1/contracts/{contract}/note", "brand"),
        ("post", "/api/v1/notes/{note}/submit", "brand"),
        ("post", "/api/v1/notes/{note}/approve", "kol"),
        ("post", "/api/v1/notes/{note}/request-changes", "kol"),
        ("post", "/api/v1/notes/{note}/publish", "brand"),
    ],
)
def test_wrong_roles_get_403(client, method, path, role):
    contract = funded_contract()
    note = submitted_note(contract)
    user_id = contract.brand_id if role == "brand" else contract.kol_id
    url = path.format(contract=contract.id, note=note.id)
    response = client.open(url, method=method.upper(), json={}, headers=_auth(user_id))
    assert response.status_code == 403


def test_another_kols_contract_is_404(client):
    contract = funded_contract()
    stranger = make_kol(verified=True)
    response = client.put(
        f"/api/v1/contracts/{contract.id}/note", json=GOOD_TEXT, headers=_auth(stranger.id)
    )
    assert response.status_code == 404
    other_brand = make_user("brand")
    note = submitted_note(contract)
    response = client.post(f"/api/v1/notes/{note.id}/approve", headers=_auth(other_brand.id))
    assert response.status_code == 404


def test_explore_api_is_public_and_paginated(client):
    brand = make_user("brand")
    for n in range(3):
        published_note(funded_contract(brand=brand), title=f"Note {n}")
    response = client.get("/api/v1/explore?per_page=2&page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 2)
    assert [n["title"] for n in body["items"]] == ["Note 0"]
    assert client.get("/api/v1/explore?per_page=50").get_json()["per_page"] == 50
    too_many = client.get("/api/v1/explore?per_page=1000")
    assert too_many.status_code == 422 and "per_page" in too_many.get_json()["error"]["fields"]


def test_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "put" in paths["/contracts/{contract_id}/note"]
    assert "images" in paths["/contracts/{contract_id}/note"]["put"]["description"].lower()
    for path in ("submit", "approve", "request-changes", "publish"):
        assert "post" in paths[f"/notes/{{note_id}}/{path}"]
    assert "get" in paths["/notes/{note_id}"] and "get" in paths["/explore"]
