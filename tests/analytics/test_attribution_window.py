"""The attribution window is the campaign's own (1–90 days, default the global setting),
set on the campaign form and the API, and used when an order is attributed."""

import time

import pytest
from sqlalchemy import select

from app.analytics.tracking import new_click_id
from app.auth.models import Role
from app.campaigns.models import Campaign
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, published_note
from tests.campaigns.helpers import api_json, form_data
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_user


def _order_five_days_after_a_click(client, window_days: int, order_id: str) -> dict:
    brand = make_user(Role.BRAND)
    note = published_note(campaign_for(brand, attribution_days=window_days))
    click_id = new_click_id(note.id, time.time() - 5 * 86400)
    response = client.post(
        "/api/v1/conversions",
        json={"click_id": click_id, "order_id": order_id, "value": 2500, "currency": "usd"},
        headers=bearer(make_api_key(brand)),
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_click_five_days_before_the_order_counts_under_a_seven_day_window(client):
    body = _order_five_days_after_a_click(client, 7, "W-7")
    assert body["attributed"] is True and body["reason"] is None


def test_the_same_click_is_outside_a_three_day_window(client):
    body = _order_five_days_after_a_click(client, 3, "W-3")
    assert body["attributed"] is False and body["reason"] == "outside_window"
    assert body["note_id"] is None


def test_the_campaign_window_wins_over_the_global_setting(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "ANALYTICS_ATTRIBUTION_DAYS", 1)
    body = _order_five_days_after_a_click(client, 30, "W-30")
    assert body["attributed"] is True


def test_the_api_sets_and_reads_the_window_and_defaults_to_the_setting(client, app, monkeypatch):
    headers = {"Authorization": f"Bearer {make_api_key(make_user(Role.BRAND))}"}
    created = client.post("/api/v1/campaigns", json=api_json(attribution_days=14), headers=headers)
    assert created.status_code == 201 and created.json["attribution_days"] == 14
    url = f"/api/v1/campaigns/{created.json['id']}"
    patched = client.patch(url, json={"attribution_days": 30}, headers=headers)
    assert patched.status_code == 200 and patched.json["attribution_days"] == 30
    monkeypatch.setitem(app.config, "ANALYTICS_ATTRIBUTION_DAYS", 10)
    body = api_json()
    assert "attribution_days" not in body
    default = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert default.status_code == 201 and default.json["attribution_days"] == 10
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["CampaignInput"]
    assert schema["properties"]["attribution_days"]["maximum"] == 90


@pytest.mark.parametrize("days", [0, 91, "7"])
def test_the_api_refuses_a_window_outside_one_to_ninety_days(client, days):
    headers = {"Authorization": f"Bearer {make_api_key(make_user(Role.BRAND))}"}
    response = client.post(
        "/api/v1/campaigns", json=api_json(attribution_days=days), headers=headers
    )
    assert response.status_code == 422
    assert "attribution_days" in response.json["error"]["fields"]


def test_the_campaign_form_sets_the_window_and_names_a_bad_one(client):
    brand = make_user(Role.BRAND)
    sign_in(client, brand)
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert 'name="attribution_days"' in page and 'value="7"' in page
    bad = post_form(client, "/campaigns/new", form_data(attribution_days="120"))
    assert bad.status_code == 422
    assert "Enter a number from 1 to 90." in bad.get_data(as_text=True)
    assert post_form(client, "/campaigns/new", form_data(attribution_days="3")).status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.brand_id == brand.id))
    assert campaign.attribution_days == 3
    detail = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Attribution window" in detail
