"""The stats API answers through its declared schema: every metric the dashboards compute is
declared (a metric missing from the schema would silently vanish from the answer), and the
query string is held to its declared types."""

from app.analytics import rollups
from app.analytics.api_schemas import NoteRow, SeriesPoint, Totals
from app.analytics.metrics import derived
from app.auth.models import Role
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, event, published_note
from tests.factories import make_api_key, make_user


def test_every_computed_metric_is_declared_and_answered(client):
    brand = make_user(Role.BRAND)
    campaign = campaign_for(brand)
    note = published_note(campaign)
    rollups.ingest_events([event(note, kind="view"), event(note, kind="click")])
    db.session.commit()
    stats = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(make_api_key(brand))
    ).json
    computed = set(derived({}, spend=0))
    assert computed <= set(Totals().fields) and computed <= set(stats["totals"])
    assert set(stats["notes"][0]) == set(NoteRow().fields)
    assert set(stats["series"][0]) == set(SeriesPoint().fields) - {
        "cpm",
        "cpc",
        "cpa",
        "cpe",
        "roas",
    }
    assert stats["totals"]["views"] == 1 and stats["totals"]["clicks"] == 1


def test_a_bad_date_in_the_stats_query_is_a_422_naming_it(client):
    brand = make_user(Role.BRAND)
    campaign = campaign_for(brand)
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats?from=yesterday",
        headers=bearer(make_api_key(brand)),
    )
    assert response.status_code == 422
    assert "from" in response.json["error"]["fields"]
