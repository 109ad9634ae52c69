"""Takedown: free after keep-live; during it the brand consents, or it is a recorded breach."""

import pytest

from app.contracts.lifecycle import KEEP_LIVE_BREACH
from app.errors import Conflict, IllegalTransition
from app.extensions import db
from app.notes import publishing
from app.notes.models import NoteStatus
from app.notifications.models import Notification
from app.status import history
from tests.conftest import post_form, sign_in
from tests.notes.support import end_keep_live, funded_contract, published_note


def _breaches(contract):
    return [c for c in history("contract", contract.id) if c.reason == KEEP_LIVE_BREACH]


def test_after_keep_live_the_kol_takes_down_freely_and_republishes(client):
    contract = funded_contract()
    note = published_note(contract)
    end_keep_live(contract)
    sign_in(client, contract.kol_id)
    editor = f"/contracts/{contract.id}/note"
    assert post_form(client, f"/notes/{note.id}/take-down", page=editor).status_code == 302
    db.session.refresh(note)
    assert note.status == NoteStatus.TAKEN_DOWN and note.taken_down_at
    assert _breaches(contract) == []
    assert client.get(f"/n/{note.id}-{note.slug}").status_code == 404
    assert post_form(client, f"/notes/{note.id}/republish", page=editor).status_code == 302
    db.session.refresh(note)
    assert note.status == NoteStatus.PUBLISHED
    assert client.get(f"/n/{note.id}-{note.slug}").status_code == 200


def test_during_keep_live_a_takedown_needs_consent():
    contract = funded_contract()
    note = published_note(contract)
    with pytest.raises(Conflict) as error:
        publishing.take_down_note(note_id=note.id, kol_id=contract.kol_id)
    assert error.value.code == "consent_needed"
    assert note.status == NoteStatus.PUBLISHED


def test_brand_consents_to_the_takedown(client):
    contract = funded_contract()
    note = published_note(contract)
    sign_in(client, contract.kol_id)
    response = post_form(
        client, f"/notes/{note.id}/request-takedown", page=f"/contracts/{contract.id}/note"
    )
    assert response.status_code == 302
    kinds = db.session.scalars(
        db.select(Notification.kind).where(Notification.user_id == contract.brand_id)
    )
    assert "takedown_requested" in list(kinds)
    client.post("/auth/logout")
    sign_in(client, contract.brand_id)
    review = client.get(f"/notes/{note.id}/review").get_data(as_text=True)
    assert "asks to take this note down" in review
    response = post_form(
        client,
        f"/notes/{note.id}/takedown-answer",
        {"answer": "yes"},
        page=f"/notes/{note.id}/review",
    )
    assert response.status_code == 302
    db.session.refresh(note)
    assert note.status == NoteStatus.TAKEN_DOWN
    assert _breaches(contract) == []
    reasons = [c.reason for c in history("note", note.id)]
    assert "taken down with the brand's consent" in reasons


def test_brand_can_keep_the_note_live():
    contract = funded_contract()
    note = published_note(contract)
    publishing.request_takedown(note_id=note.id, kol_id=contract.kol_id)
    publishing.answer_takedown(note_id=note.id, brand_id=contract.brand_id, consent=False)
    assert note.status == NoteStatus.PUBLISHED and note.takedown_requested_at is None
    with pytest.raises(Conflict):
        publishing.answer_takedown(note_id=note.id, brand_id=contract.brand_id, consent=True)


def test_taking_down_anyway_records_a_keep_live_breach(client):
    contract = funded_contract()
    note = published_note(contract)
    status_before = contract.status
    sign_in(client, contract.kol_id)
    response = post_form(
        client,
        f"/notes/{note.id}/take-down",
        {"accept_breach": "yes"},
        page=f"/contracts/{contract.id}/note",
    )
    assert response.status_code == 302
    db.session.refresh(note)
    db.session.refresh(contract)
    assert note.status == NoteStatus.TAKEN_DOWN
    (breach,) = _breaches(contract)
    assert breach.from_status == breach.to_status == str(status_before)
    assert breach.actor_id == contract.kol_id
    assert contract.status == status_before  # bookkeeping only, no status change


def test_illegal_takedown_moves_are_409(client):
    contract = funded_contract()
    note = published_note(contract)
    end_keep_live(contract)
    with pytest.raises(IllegalTransition):
        publishing.republish_note(note_id=note.id, kol_id=contract.kol_id)  # already published
    publishing.take_down_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    with pytest.raises(IllegalTransition):
        publishing.take_down_note(note_id=note.id, kol_id=contract.kol_id)
    sign_in(client, contract.kol_id)
    response = post_form(
        client, f"/notes/{note.id}/take-down", page=f"/contracts/{contract.id}/note"
    )
    assert response.status_code == 409


def test_brand_cannot_take_down_and_other_kols_get_404(client):
    contract = funded_contract()
    note = published_note(contract)
    sign_in(client, contract.brand_id)
    response = post_form(client, f"/notes/{note.id}/take-down", page="/notes")
    assert response.status_code == 403
    from tests.factories import make_kol

    other = make_kol(verified=True)
    with pytest.raises(Exception) as error:
        publishing.take_down_note(note_id=note.id, kol_id=other.id, accept_breach=True)
    assert error.value.status == 404
