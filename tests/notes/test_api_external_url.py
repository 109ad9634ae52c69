"""A KOL records where a published note was cross-posted through the API (issue 22 parity):
the same service and rules as the note editor's form."""

from __future__ import annotations

from app.auth.models import User
from app.contracts.models import ContractStatus
from app.extensions import db
from app.notes.models import Note
from tests.factories import make_api_key, make_contract, make_kol, make_user
from tests.notes.support import draft_note, published_note

LINK = "https://www.instagram.com/p/abc"


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_the_kol_records_and_clears_a_cross_post_link(client):
    note = published_note(make_contract(status=ContractStatus.FUNDED))
    kol = db.session.get(User, note.kol_id)
    auth, url = _auth(kol), f"/api/v1/notes/{note.id}/external-url"
    saved = client.put(url, headers=auth, json={"external_url": LINK})
    assert saved.status_code == 200 and saved.get_json()["external_url"] == LINK
    bad = client.put(url, headers=auth, json={"external_url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "external_url" in bad.get_json()["error"]["fields"]
    too_long = client.put(url, headers=auth, json={"external_url": "https://x.io/" + "a" * 300})
    assert too_long.status_code == 422
    db.session.expire_all()
    assert db.session.get(Note, note.id).external_url == LINK
    cleared = client.put(url, headers=auth, json={"external_url": None})
    assert cleared.status_code == 200 and cleared.get_json()["external_url"] is None


def test_only_published_notes_of_ones_own_take_a_link(client):
    draft = draft_note(make_contract(status=ContractStatus.FUNDED))
    kol = db.session.get(User, draft.kol_id)
    url = f"/api/v1/notes/{draft.id}/external-url"
    assert client.put(url, headers=_auth(kol), json={"external_url": LINK}).status_code == 409
    assert (
        client.put(url, headers=_auth(make_kol()), json={"external_url": LINK}).status_code == 404
    )
    assert client.put(url, headers=_auth(make_user("brand")), json={}).status_code == 403
