"""Invite-only campaigns: only the KOLs the brand invited see them and may bid; everyone else
gets 404 everywhere a campaign is listed or opened, on the web and in the API (issue 22)."""

from __future__ import annotations

import re
from datetime import timedelta

from app.campaigns.invitations import invite_kol
from app.campaigns.services import create_campaign
from app.extensions import db
from tests.campaigns.helpers import service_values
from tests.conftest import sign_in
from tests.factories import make_api_key, make_campaign, make_user
from tests.shortlists.support import named_kol


def _world():
    brand = make_user("brand")
    invited, outsider = named_kol("Invited"), named_kol("Outsider")
    secret = make_campaign(brand, title="Secret launch", invite_only=True)
    make_campaign(brand, title="Open launch")
    invite_kol(brand_id=brand.id, campaign_id=secret.id, kol_id=invited.id)
    db.session.commit()
    return brand, invited, outsider, secret


def test_a_kol_not_invited_never_sees_it_on_the_web(client):
    _brand, _invited, outsider, secret = _world()
    assert "Secret launch" not in client.get("/campaigns").get_data(as_text=True)  # visitor
    assert client.get(f"/campaigns/{secret.id}").status_code == 404
    sign_in(client, outsider)
    for query in ("", "?q=Secret", "?sort=newest", "?sort=price", "?sort=closing"):
        html = client.get(f"/campaigns{query}").get_data(as_text=True)
        assert "Secret launch" not in html
    assert "Open launch" in client.get("/campaigns").get_data(as_text=True)
    assert client.get(f"/campaigns/{secret.id}").status_code == 404
    assert client.get(f"/campaigns/{secret.id}/bid").status_code == 404


def test_the_invited_kol_sees_it_and_may_bid(client):
    _brand, invited, _outsider, secret = _world()
    sign_in(client, invited)
    assert "Secret launch" in client.get("/campaigns").get_data(as_text=True)
    page = client.get(f"/campaigns/{secret.id}").get_data(as_text=True)
    assert "Only invited KOLs see this campaign" in page
    assert client.get(f"/campaigns/{secret.id}/bid").status_code == 200


def test_the_brand_makes_a_campaign_invite_only(client):
    brand = make_user("brand")
    sign_in(client, brand)
    assert 'name="invite_only"' in client.get("/campaigns/new").get_data(as_text=True)
    draft = create_campaign(brand_id=brand.id, values=service_values(invite_only=True))
    db.session.commit()
    html = client.get(f"/campaigns/{draft.id}").get_data(as_text=True)
    assert "Only invited KOLs see this campaign" in html and "Invite a shortlist" in html
    form = client.get(f"/campaigns/{draft.id}/edit").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="invite_only"', form)  # kept when editing


def test_the_api_hides_it_from_kols_not_invited(client):
    brand, invited, outsider, secret = _world()

    def call(user, method, url, **kwargs):
        headers = {"Authorization": f"Bearer {make_api_key(user)}"}
        return client.open(url, method=method, headers=headers, **kwargs)

    listed = call(outsider, "GET", "/api/v1/campaigns?sort=newest").get_json()["items"]
    assert "Secret launch" not in {c["title"] for c in listed}
    assert call(outsider, "GET", f"/api/v1/campaigns/{secret.id}").status_code == 404
    due = (secret.delivery_deadline - timedelta(days=2)).date().isoformat()
    bid = {"price": 50_000, "pitch": "Let me in", "proposed_delivery": due}
    refused = call(outsider, "POST", f"/api/v1/campaigns/{secret.id}/bids", json=bid)
    assert refused.status_code == 404
    listed = call(invited, "GET", "/api/v1/campaigns?sort=newest").get_json()["items"]
    assert "Secret launch" in {c["title"] for c in listed}
    mine = call(invited, "GET", f"/api/v1/campaigns/{secret.id}").get_json()
    assert mine["invite_only"] is True
    assert call(invited, "POST", f"/api/v1/campaigns/{secret.id}/bids", json=bid).status_code == 201
    assert call(brand, "GET", f"/api/v1/campaigns/{secret.id}").status_code == 200
