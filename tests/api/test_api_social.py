"""Wishlist boards and comment moderation through the API (the web/API parity gaps of issue
22): the same rules as the wishlist page and the comment buttons."""

from __future__ import annotations

from app.auth.models import User
from app.engagement.comments import add_comment
from app.extensions import db
from tests.factories import make_api_key, make_user
from tests.notes.support import published_note


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_boards_are_made_renamed_and_deleted_by_their_owner_only(client):
    auth = _auth(make_user("kol"))
    made = client.post("/api/v1/wishlist/boards", headers=auth, json={"name": "Summer"})
    assert made.status_code == 201 and made.get_json()["is_private"] is True
    board = made.get_json()["id"]
    twice = client.post("/api/v1/wishlist/boards", headers=auth, json={"name": "Summer"})
    assert twice.status_code == 422 and "name" in twice.get_json()["error"]["fields"]

    renamed = client.patch(f"/api/v1/wishlist/boards/{board}", headers=auth,
                           json={"name": "Beach", "is_private": False})  # fmt: skip
    assert renamed.get_json() == {"id": board, "name": "Beach", "is_private": False}
    other = _auth(make_user("kol"))
    assert client.delete(f"/api/v1/wishlist/boards/{board}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/wishlist/boards/{board}", headers=auth).status_code == 204
    boards = client.get("/api/v1/wishlist", headers=auth).get_json()["boards"]
    assert [b["name"] for b in boards if b["id"]] == []


def test_the_notes_kol_hides_a_comment_and_a_reader_reports_one(client):
    note = published_note()
    reader = make_user("kol")
    comment = add_comment(note_id=note.id, user_id=reader.id, body="Buy my course")
    db.session.commit()
    kol = db.session.get(User, note.kol_id)

    assert (
        client.put(f"/api/v1/comments/{comment.id}/hidden", headers=_auth(reader)).status_code
        == 403
    )
    hidden = client.put(f"/api/v1/comments/{comment.id}/hidden", headers=_auth(kol))
    assert hidden.get_json() == {"id": comment.id, "note_id": note.id, "hidden": True}
    public = client.get(f"/api/v1/notes/{note.id}/comments").get_json()["items"]
    assert comment.id not in [c["id"] for c in public]
    shown = client.delete(f"/api/v1/comments/{comment.id}/hidden", headers=_auth(kol))
    assert shown.get_json()["hidden"] is False

    brand = db.session.get(User, note.brand_id)
    report = client.post(f"/api/v1/comments/{comment.id}/reports", headers=_auth(brand),
                         json={"reason": "Spam"})  # fmt: skip
    assert report.status_code == 200 and report.get_json()["reported"] is True
    own = client.post(f"/api/v1/comments/{comment.id}/reports", headers=_auth(reader), json={})
    assert own.status_code == 422  # nobody reports their own comment
