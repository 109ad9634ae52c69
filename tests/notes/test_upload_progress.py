"""The editor's progress bar (static/js/uploads.js) sends the form itself: the server tells it
where to go instead of redirecting the request, so the page it opens still shows the flash."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.extensions import db
from app.notes.models import Note
from tests.conftest import post_form, sign_in
from tests.notes.support import GOOD_TEXT, funded_contract, png_bytes

PROGRESS = {"X-Upload-Progress": "1"}


def test_a_saved_upload_answers_where_to_go_and_the_next_page_says_it_was_saved(client):
    contract = funded_contract()
    sign_in(client, contract.kol_id)
    url = f"/contracts/{contract.id}/note"
    data = {**GOOD_TEXT, "images": [(io.BytesIO(png_bytes()), "a.png")]}

    response = post_form(client, url, data, content_type="multipart/form-data", headers=PROGRESS)

    assert response.status_code == 200
    assert response.get_json() == {"redirect": url}
    assert response.headers["Cache-Control"] == "no-store"
    note = db.session.scalar(select(Note).where(Note.contract_id == contract.id))
    assert len(note.images) == 1
    assert "Draft saved." in client.get(url).get_data(as_text=True)  # the flash was kept for it


def test_a_refused_upload_still_gets_the_form_with_its_errors(client):
    contract = funded_contract()
    sign_in(client, contract.kol_id)
    url = f"/contracts/{contract.id}/note"
    data = {**GOOD_TEXT, "images": [(io.BytesIO(b"not an image"), "evil.png")]}

    response = post_form(client, url, data, content_type="multipart/form-data", headers=PROGRESS)

    assert response.status_code == 422
    assert "Upload a JPEG, PNG or WebP image." in response.get_data(as_text=True)


def test_the_editor_offers_the_progress_bar_and_previews_are_allowed_by_the_csp(client):
    contract = funded_contract()
    sign_in(client, contract.kol_id)
    response = client.get(f"/contracts/{contract.id}/note")
    page = response.get_data(as_text=True)
    assert "data-upload-progress=" in page and "js/uploads.js" in page
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:" in policy and "media-src 'self' blob:" in policy
