"""Issue 20: the conversion rate is the share of clicks that led to a confirmed order (distinct
click ids of confirmed, attributed, unreversed orders ÷ clicks), never orders ÷ clicks: a click
with three orders and a click with none is 50 %, on every page, the API and the CSV."""

import csv
import io
import time
from datetime import UTC, datetime

from app.analytics import rollups
from app.analytics.models import Conversion
from app.analytics.tracking import new_click_id
from app.auth.models import Role
from app.extensions import db
from tests.analytics.support import bearer, event, published_note
from tests.conftest import sign_in, signed_in
from tests.factories import make_api_key, make_user


def two_clicks_three_orders_on_one(client):
    """A brand's note with two clicks; the first brought three orders, the second none."""
    brand = make_user(Role.BRAND)
    note = published_note(brand=brand)
    now = time.time()
    rollups.ingest_events(
        [event(note, "click", visitor=f"{i:032x}", at=now - 600 + i) for i in range(2)]
    )
    db.session.commit()
    key = make_api_key(brand)
    click = new_click_id(note.id, now - 300)
    for n in range(3):
        response = client.post(
            "/api/v1/conversions",
            json={"click_id": click, "order_id": f"R-{n}", "value": 1000, "currency": "usd"},
            headers=bearer(key),
        )
        assert response.status_code == 201 and response.json["attributed"], response.json
    return brand, note, key


def test_three_orders_from_one_of_two_clicks_is_fifty_percent_everywhere(client):
    brand, note, key = two_clicks_three_orders_on_one(client)

    stats = client.get(f"/api/v1/campaigns/{note.campaign_id}/stats", headers=bearer(key)).json
    assert stats["totals"]["conversions"] == 3
    assert stats["totals"]["converted_clicks"] == 1
    assert stats["totals"]["conversion_rate"] == 0.5  # was min(3 ÷ 2, 1) = 100 %
    assert stats["notes"][0]["conversion_rate"] == 0.5
    assert sum(b["converted_clicks"] for b in stats["series"]) == 1

    sign_in(client, brand)
    dashboard = client.get(f"/analytics/campaigns/{note.campaign_id}").get_data(as_text=True)
    assert "50.00 %" in dashboard and "100.00 %" not in dashboard
    overview = client.get("/analytics").get_data(as_text=True)
    assert '<td class="overview-conversion-rate">50.00 %</td>' in overview

    exported = client.get(f"/analytics/campaigns/{note.campaign_id}/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0]["conversion_rate"] == "0.5" and rows[0]["converted_clicks"] == "1"

    kol = signed_in(client.application, note.kol_id)
    kit = kol.get("/analytics/media-kit").get_data(as_text=True)
    assert '<dd class="media-kit-conversion-rate">50.00 %</dd>' in kit


def test_reversed_unconfirmed_and_promo_code_orders_convert_no_click(client):
    brand, note, key = two_clicks_three_orders_on_one(client)
    # The three orders of the converted click are returned: no click converted any more.
    for order in db.session.query(Conversion).filter_by(note_id=note.id):
        order.reversed_at = datetime.now(UTC)
    db.session.commit()
    # An order only the public snippet reported, and one through a promo code (no click).
    second = new_click_id(note.id, time.time() - 200)
    db.session.add_all(
        [
            Conversion(brand_id=brand.id, order_id="S-1", value=5, currency="usd",
                       occurred_at=datetime.now(UTC), click_id=second, note_id=note.id,
                       contract_id=note.contract_id, campaign_id=note.campaign_id,
                       attributed=True, confirmed=False),
            Conversion(brand_id=brand.id, order_id="P-1", value=5, currency="usd",
                       occurred_at=datetime.now(UTC), promo_code="GLOW", note_id=note.id,
                       contract_id=note.contract_id, campaign_id=note.campaign_id,
                       attributed=True),
        ]
    )  # fmt: skip
    db.session.commit()
    url = f"/api/v1/campaigns/{note.campaign_id}/stats"
    totals = client.get(url, headers=bearer(key)).json["totals"]
    assert totals["converted_clicks"] == 0 and totals["conversion_rate"] == 0.0
    assert totals["unconfirmed_conversions"] == 1


def test_a_click_made_before_the_range_converts_no_click_of_it(client):
    """Orders in the range whose click was made before it count as conversions, not as a
    converted click: the rate is of the range's own clicks and never passes 100 %."""
    brand = make_user(Role.BRAND)
    note = published_note(brand=brand)
    now = time.time()
    rollups.ingest_events([event(note, "click", visitor=f"{1:032x}", at=now - 600)])
    db.session.commit()
    key = make_api_key(brand)
    earlier = new_click_id(note.id, now - 3 * 86400)  # three days ago: outside today's range
    for n in range(2):
        response = client.post(
            "/api/v1/conversions",
            json={"click_id": earlier, "order_id": f"E-{n}", "value": 1000, "currency": "usd"},
            headers=bearer(key),
        )
        assert response.status_code == 201 and response.json["attributed"], response.json
    today = datetime.now(UTC).date().isoformat()
    url = f"/api/v1/campaigns/{note.campaign_id}/stats?from={today}&to={today}"
    totals = client.get(url, headers=bearer(key)).json["totals"]
    assert totals["clicks"] == 1 and totals["conversions"] == 2
    assert totals["converted_clicks"] == 0 and totals["conversion_rate"] == 0.0

    sign_in(client, brand)
    overview = client.get(f"/analytics?from={today}&to={today}").get_data(as_text=True)
    assert '<td class="overview-conversion-rate">0.00 %</td>' in overview
