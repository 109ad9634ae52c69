"""Take-downs through the API (issue 22 parity): the KOL takes a note down (during keep-live
only by accepting a breach), asks the brand first, and the brand answers — the same services
as the note editor's and review page's buttons."""

from __future__ import annotations

from app.auth.models import User
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.notes.models import Note, NoteStatus
from tests.factories import make_api_key, make_contract, make_kol, make_user
from tests.notes.support import published_note


def _auth(user_id: int) -> dict:
    return {"Authorization": f"Bearer {make_api_key(db.session.get(User, user_id))}"}


def _live_note() -> Note:
    note = published_note(make_contract(status=ContractStatus.FUNDED))
    assert db.session.get(Contract, note.contract_id).keep_live_until is not None
    return note


def test_during_keep_live_the_kol_asks_and_the_brand_agrees(client):
    note = _live_note()
    kol, brand = _auth(note.kol_id), _auth(note.brand_id)
    url = f"/api/v1/notes/{note.id}"
    refused = client.post(f"{url}/take-down", headers=kol, json={})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "consent_needed"
    assert (
        client.post(f"{url}/takedown-answer", headers=brand, json={"consent": True}).status_code
        == 409
    )
    asked = client.post(f"{url}/takedown-request", headers=kol)
    assert asked.status_code == 200 and asked.get_json()["status"] == "published"
    no_answer = client.post(f"{url}/takedown-answer", headers=brand, json={})
    assert no_answer.status_code == 422 and "consent" in no_answer.get_json()["error"]["fields"]
    agreed = client.post(f"{url}/takedown-answer", headers=brand, json={"consent": True})
    assert agreed.status_code == 200 and agreed.get_json()["status"] == "taken_down"
    db.session.expire_all()
    assert db.session.get(Note, note.id).status == NoteStatus.TAKEN_DOWN


def test_a_kol_accepting_a_breach_takes_the_note_down_and_others_are_refused(client):
    note = _live_note()
    url = f"/api/v1/notes/{note.id}"
    assert client.post(f"{url}/take-down", headers=_auth(make_kol().id), json={}).status_code == 404
    assert (
        client.post(f"{url}/take-down", headers=_auth(make_user("brand").id), json={}).status_code
        == 403
    )
    stranger = client.post(f"{url}/takedown-answer", headers=_auth(make_user("brand").id), json={})
    assert stranger.status_code == 404
    bad = client.post(f"{url}/take-down", headers=_auth(note.kol_id), json={"accept_breach": "yes"})
    assert bad.status_code == 422 and "accept_breach" in bad.get_json()["error"]["fields"]
    down = client.post(f"{url}/take-down", headers=_auth(note.kol_id), json={"accept_breach": True})
    assert down.status_code == 200 and down.get_json()["status"] == "taken_down"
