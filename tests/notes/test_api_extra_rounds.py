"""Extra revision rounds through the API (issue 22 parity): with every agreed round used the
brand asks for one more, the KOL agrees (the changes go back to it) or declines (the contract
goes to an admin) — the same services as the review page's and editor's buttons."""

from __future__ import annotations

from app.auth.models import User
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.notes.models import Note, NoteStatus
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_kol,
    make_user,
)
from tests.notes.support import submitted_note

CHANGE = {"comment": "Show the box once more", "brief_item": "brief"}


def _auth(user_id: int) -> dict:
    return {"Authorization": f"Bearer {make_api_key(db.session.get(User, user_id))}"}


def _note(rounds: int) -> Note:
    campaign = make_campaign(make_user("brand"), revision_rounds=rounds)
    bid = make_bid(campaign, make_kol(verified=True))
    return submitted_note(make_contract(bid, status=ContractStatus.FUNDED))


def test_the_brand_asks_for_an_extra_round_and_the_kol_agrees(client):
    note = _note(0)
    brand, kol, url = _auth(note.brand_id), _auth(note.kol_id), f"/api/v1/notes/{note.id}"
    no_comment = client.post(f"{url}/extra-round-request", headers=brand, json={})
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["error"]["fields"]
    asked = client.post(f"{url}/extra-round-request", headers=brand, json=CHANGE)
    assert asked.status_code == 200, asked.get_json()
    no_answer = client.post(f"{url}/extra-round-answer", headers=kol, json={})
    assert no_answer.status_code == 422 and "consent" in no_answer.get_json()["error"]["fields"]
    agreed = client.post(f"{url}/extra-round-answer", headers=kol, json={"consent": True})
    assert agreed.status_code == 200 and agreed.get_json()["status"] == "changes_requested"
    db.session.expire_all()
    assert db.session.get(Contract, note.contract_id).extra_revisions_agreed == 1
    again = client.post(f"{url}/extra-round-answer", headers=kol, json={"consent": True})
    assert again.status_code == 409


def test_rounds_left_declines_and_strangers(client):
    with_rounds = _note(2)
    url = f"/api/v1/notes/{with_rounds.id}/extra-round-request"
    assert client.post(url, headers=_auth(with_rounds.brand_id), json=CHANGE).status_code == 409
    assert client.post(url, headers=_auth(make_user("brand").id), json=CHANGE).status_code == 404
    assert client.post(url, headers=_auth(with_rounds.kol_id), json=CHANGE).status_code == 403

    note = _note(0)
    client.post(f"/api/v1/notes/{note.id}/extra-round-request", headers=_auth(note.brand_id),
                json=CHANGE)  # fmt: skip
    answer = f"/api/v1/notes/{note.id}/extra-round-answer"
    assert client.post(answer, headers=_auth(make_kol().id), json={}).status_code == 404
    declined = client.post(answer, headers=_auth(note.kol_id), json={"consent": False})
    assert declined.status_code == 200 and declined.get_json()["status"] == NoteStatus.SUBMITTED
    db.session.expire_all()
    assert db.session.get(Contract, note.contract_id).status == ContractStatus.DISPUTED
