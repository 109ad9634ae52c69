"""/api/v1 engagement: idempotent PUT/DELETE, the field named in errors, roles, the wishlist,
the OpenAPI document, and "bought it" set by a brand's conversion through the shopper's click."""

import secrets
import time

import pytest
from sqlalchemy import select

from app.analytics import pipeline as analytics_pipeline
from app.analytics.models import TrackingEvent
from app.analytics.tracking import new_click_id
from app.auth.models import Role
from app.engagement import services
from app.engagement.models import NoteSave
from app.extensions import db
from tests.conftest import sign_in
from tests.engagement.support import BROWSER, bearer, likes, member, published_note, rolled, saves
from tests.factories import make_api_key


def key_for(role=Role.SHOPPER):
    user = member(role)
    return user, bearer(make_api_key(user))


def test_put_and_delete_like_are_idempotent(client):
    note = published_note()
    _user, auth = key_for()
    for _ in range(2):
        answer = client.put(f"/api/v1/notes/{note.id}/like", headers=auth)
        assert answer.status_code == 200 and answer.get_json()["counts"]["likes"] == 1
    assert likes(note.id) == 1
    for _ in range(2):
        answer = client.delete(f"/api/v1/notes/{note.id}/like", headers=auth)
        assert answer.status_code == 200 and answer.get_json()["liked"] is False
    assert likes(note.id) == 0 and rolled(note.id)["likes"] == 0


def test_save_with_a_board_bought_and_the_wishlist(client):
    note = published_note()
    user, auth = key_for()
    board = services.create_board(user, "Summer")
    db.session.commit()
    answer = client.put(f"/api/v1/notes/{note.id}/save", json={"board_id": board.id}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["board_id"] == board.id
    assert client.post(f"/api/v1/notes/{note.id}/bought", headers=auth).get_json()["bought"]
    wishlist = client.get("/api/v1/wishlist", headers=auth).get_json()["boards"]
    summer = next(b for b in wishlist if b["id"] == board.id)
    assert summer["saves"][0]["note_id"] == note.id
    assert summer["saves"][0]["bought_source"] == "shopper"
    assert client.delete(f"/api/v1/notes/{note.id}/save", headers=auth).status_code == 200
    assert saves(note.id) == 0


@pytest.mark.parametrize(
    "body, field",
    [({"board_id": "x"}, "board_id"), ({"board_id": 999999}, "board_id"), ([1], "body")],
)
def test_bad_bodies_name_the_field(client, body, field):
    note = published_note()
    _user, auth = key_for()
    answer = client.put(f"/api/v1/notes/{note.id}/save", json=body, headers=auth)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
    assert saves(note.id) == 0


def test_follow_through_the_api_and_not_yourself(client):
    note = published_note()
    _user, auth = key_for(Role.BRAND)
    answer = client.put(
        f"/api/v1/kols/{note.kol_id}/follow", json={"note_id": note.id}, headers=auth
    )
    assert answer.get_json() == {"kol_id": note.kol_id, "following": True}
    assert rolled(note.id)["follows"] == 1
    kol_auth = bearer(make_api_key(db.session.get(type(_user), note.kol_id)))
    mine = client.put(f"/api/v1/kols/{note.kol_id}/follow", headers=kol_auth)
    assert mine.status_code == 422 and "kol_id" in mine.get_json()["error"]["fields"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
def test_staff_keys_cannot_engage(client, role):
    note = published_note()
    _user, auth = key_for(role)
    assert client.put(f"/api/v1/notes/{note.id}/like", headers=auth).status_code == 403
    assert client.put(f"/api/v1/notes/{note.id}/like").status_code == 401


def test_counts_are_not_writable_through_the_api(client):
    note = published_note()
    _user, auth = key_for()
    answer = client.put(f"/api/v1/notes/{note.id}/save", json={"saves": 1000}, headers=auth)
    assert answer.status_code == 422 and "saves" in answer.get_json()["error"]["fields"]
    answer = client.put(f"/api/v1/notes/{note.id}/save", headers=auth)
    assert answer.status_code == 200 and answer.get_json()["counts"]["saves"] == 1


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/notes/{note_id}/like"]) == {"put", "delete"}
    assert set(paths["/notes/{note_id}/save"]) == {"put", "delete"}
    assert "post" in paths["/notes/{note_id}/bought"]
    assert set(paths["/kols/{kol_id}/follow"]) == {"put", "delete"}
    assert "get" in paths["/wishlist"]


def test_a_brands_conversion_through_the_shoppers_click_marks_the_save_bought(
    app, client, monkeypatch
):
    # A stream of this test's own: draining never touches anyone else's buffered hits.
    monkeypatch.setitem(app.config, "ANALYTICS_STREAM", f"test:analytics:{secrets.token_hex(4)}")
    brand = member(Role.BRAND)
    note = published_note(brand=brand)
    shopper = member()
    sign_in(client, shopper)
    services.save(shopper, note.id)
    db.session.commit()
    go = client.get(f"/go/{note.tracking_code}", headers=BROWSER)
    assert go.status_code == 302
    analytics_pipeline.drain_all()  # with Redis the click is buffered first (no-op without)
    click = db.session.scalar(select(TrackingEvent).where(TrackingEvent.kind == "click"))
    assert click.user_id == shopper.id
    click_id = click.event_id
    order = {"order_id": "A-1", "value": 1999, "currency": "usd", "click_id": click_id}
    answer = client.post("/api/v1/conversions", json=order, headers=bearer(make_api_key(brand)))
    assert answer.status_code in (200, 201)
    row = db.session.scalar(select(NoteSave).where(NoteSave.note_id == note.id))
    assert row.bought_source == "conversion" and row.bought_at is not None
    assert rolled(note.id)["bought"] == 1


def test_a_conversion_from_an_anonymous_click_marks_nothing(client):
    brand = member(Role.BRAND)
    note = published_note(brand=brand)
    order = {
        "order_id": "A-2", "value": 10, "currency": "usd",
        "click_id": new_click_id(note.id, time.time()),
    }  # fmt: skip
    client.post("/api/v1/conversions", json=order, headers=bearer(make_api_key(brand)))
    assert rolled(note.id)["bought"] == 0
