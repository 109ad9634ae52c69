"""Verified shoppers (issue 24): a shopper who bought through their own tracked click, the
order confirmed by the brand's server, carries a badge on their comments, and comments can be
shown verified shoppers first on the note page and in the API. Nobody can type the badge in."""

import secrets

from sqlalchemy import select

from app.analytics import pipeline as analytics_pipeline
from app.analytics.models import TrackingEvent
from app.auth.models import Role
from app.engagement import comments
from app.engagement.models import ShopperProfile
from app.extensions import db
from tests.conftest import sign_in
from tests.engagement.support import BROWSER, bearer, member, page, published_note
from tests.factories import make_api_key


def _buy_through_click(app, monkeypatch, note, brand, shopper, order_id="V-1"):
    """The shopper follows the note's tracked link signed in; the brand's server reports it."""
    monkeypatch.setitem(app.config, "ANALYTICS_STREAM", f"test:analytics:{secrets.token_hex(4)}")
    client = sign_in(app.test_client(), shopper)
    assert client.get(f"/go/{note.tracking_code}", headers=BROWSER).status_code == 302
    analytics_pipeline.drain_all()
    click = db.session.scalar(
        select(TrackingEvent).where(
            TrackingEvent.kind == "click", TrackingEvent.user_id == shopper.id
        )
    )
    order = {"order_id": order_id, "value": 1999, "currency": "usd", "click_id": click.event_id}
    answer = client.post("/api/v1/conversions", json=order, headers=bearer(make_api_key(brand)))
    assert answer.status_code in (200, 201)


def _comment(note, user, body):
    comments.add_comment(note_id=note.id, user_id=user.id, body=body)
    db.session.commit()


def test_a_buyer_through_a_tracked_link_gets_the_badge(app, client, monkeypatch):
    brand = member(Role.BRAND)
    note = published_note(brand=brand)
    buyer, browser = member(), member()
    _buy_through_click(app, monkeypatch, note, brand, buyer)
    db.session.expire_all()
    assert db.session.get(ShopperProfile, buyer.id).verified_buyer_at is not None
    assert db.session.get(ShopperProfile, browser.id).verified_buyer_at is None
    _comment(note, buyer, "Bought it, love it")
    _comment(note, browser, "Looks nice")
    html = client.get(page(note)).get_data(as_text=True)
    assert html.count('class="badge badge-ok verified-shopper"') == 1
    assert html.index("verified-shopper") < html.index("Bought it, love it")
    listed = client.get(f"/api/v1/notes/{note.id}/comments").get_json()["items"]
    badges = {c["body"]: c["author"]["verified_shopper"] for c in listed}
    assert badges == {"Bought it, love it": True, "Looks nice": False}


def test_verified_shoppers_first_on_the_page_and_in_the_api(app, client, monkeypatch):
    brand = member(Role.BRAND)
    note = published_note(brand=brand)
    buyer, browser = member(), member()
    _buy_through_click(app, monkeypatch, note, brand, buyer)
    _comment(note, buyer, "Older, from a buyer")
    _comment(note, browser, "Newer, from a browser")
    newest = client.get(page(note)).get_data(as_text=True)
    assert newest.index("Newer, from a browser") < newest.index("Older, from a buyer")
    # A visitor's page is cached: the chosen order must be part of what is cached.
    verified = client.get(page(note) + "?comments_sort=verified").get_data(as_text=True)
    assert verified.index("Older, from a buyer") < verified.index("Newer, from a browser")
    api = f"/api/v1/notes/{note.id}/comments"
    bodies = [c["body"] for c in client.get(api + "?sort=verified").get_json()["items"]]
    assert bodies == ["Older, from a buyer", "Newer, from a browser"]
    assert client.get(api + "?sort=loudest").status_code == 422


def test_an_unconfirmed_or_anonymous_order_makes_nobody_verified(client):
    brand = member(Role.BRAND)
    note = published_note(brand=brand)
    shopper = member()
    _comment(note, shopper, "No purchase here")
    order = {"order_id": "X-1", "value": 10, "currency": "usd", "click_id": "nonsense"}
    client.post("/api/v1/conversions", json=order, headers=bearer(make_api_key(brand)))
    assert "verified-shopper" not in client.get(page(note)).get_data(as_text=True)
