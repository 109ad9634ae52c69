"""Engagement in the analytics: likes, saves, comments, follows and "bought it" per note and
campaign over time, engagement rate and CPE beside CPM/CPC/CPA, in the dashboard, the CSV and
the stats API; engagement from new accounts shown apart; the media kit's engagement rate."""

import csv
import io
from datetime import UTC, datetime, timedelta

from app.analytics.models import HourlyRollup
from app.analytics.rollups import hour_of
from app.auth.models import Role, User
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, published_note
from tests.conftest import sign_in
from tests.factories import make_api_key, make_user

SPEND = 50_000 + 2_500  # price + brand fee of each funded contract


def _hour(note, hours_ago: int, **counters) -> None:
    db.session.add(
        HourlyRollup(hour=hour_of(datetime.now(UTC) - timedelta(hours=hours_ago)),
                     note_id=note.id, contract_id=note.contract_id,
                     campaign_id=note.campaign_id, kol_id=note.kol_id, **counters)
    )  # fmt: skip


def _campaign():
    brand = make_user(Role.BRAND)
    campaign = campaign_for(brand)
    first, second = published_note(campaign), published_note(campaign)
    _hour(first, 3, views=200, likes=12, saves=6, comments=2, follows=3, bought=1)
    _hour(first, 2, views=100, likes=-2, saves=2, comments=1, flagged_engagements=4)
    _hour(second, 2, views=100, likes=5, saves=1)
    db.session.commit()
    return brand, campaign, first, second


def test_the_stats_api_reports_engagement_rate_and_cpe(client):
    brand, campaign, first, second = _campaign()
    stats = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(make_api_key(brand))
    ).json
    t = stats["totals"]
    assert (t["likes"], t["saves"], t["comments"], t["follows"], t["bought"]) == (15, 9, 3, 3, 1)
    assert t["engagements"] == 15 + 9 + 3
    assert t["engagement_rate"] == round(27 / 400, 4)
    assert t["cpe"] == (2 * SPEND * 2 + 27) // (2 * 27)  # spend ÷ engagements, half up
    assert t["flagged_engagements"] == 4
    rows = {r["note_id"]: r for r in stats["notes"]}
    assert rows[first.id]["engagements"] == 21 and rows[second.id]["engagements"] == 6
    assert rows[second.id]["cpe"] == SPEND // 6
    assert sum(r["likes"] for r in stats["series"]) == 15  # net: an unlike took one off
    note_stats = client.get(
        f"/api/v1/notes/{first.id}/stats", headers=bearer(make_api_key(brand))
    ).json
    assert note_stats["totals"]["engagement_rate"] == round(21 / 300, 4)
    flags = {f["kind"] for f in rows[first.id]["flags"]}
    assert "new_account_engagement" in flags


def test_the_dashboard_and_csv_show_engagement_and_flag_new_accounts(client):
    brand, campaign, first, _second = _campaign()
    sign_in(client, brand)
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)
    assert "<dt>Likes</dt><dd>15</dd>" in html and "<dt>Bought it</dt><dd>1</dd>" in html
    assert "<dt>Engagement rate</dt><dd>6.75 %</dd>" in html
    assert "<dt>CPE</dt><dd>$38.89</dd>" in html  # 105,000 ÷ 27 cents, formatted
    assert "Engagement over time" in html and "engagement-chart-title" in html
    assert "Engagement from new accounts in this period: 4" in html
    text = client.get(f"/analytics/campaigns/{campaign.id}/export.csv").get_data(as_text=True)
    rows = {int(r["note_id"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[first.id]["likes"] == "10" and rows[first.id]["engagements"] == "21"
    assert rows[first.id]["cpe"] == str((SPEND * 2 + 21) // 42)
    series = client.get(f"/analytics/campaigns/{campaign.id}/export.csv?table=series").get_data(
        as_text=True
    )
    assert sum(int(r["saves"]) for r in csv.DictReader(io.StringIO(series))) == 9


def test_the_media_kit_shows_the_kols_engagement_rate(client):
    *_rest, first, _second = _campaign()
    kol = db.session.get(User, first.kol_id)
    sign_in(client, kol)
    html = client.get("/analytics/media-kit").get_data(as_text=True)
    assert '<dd class="media-kit-engagement-rate">7.00 %</dd>' in html  # 21 ÷ 300 views
    assert "CPE" not in html and "Spend" not in html
