"""Campaign unique visitors are distinct across the campaign's notes per day (one visitor
reading two of its notes counts once), the same in the dashboard, the CSV and the stats API;
note-level uniques still count each note."""

import csv
import io
import time
from datetime import UTC, datetime, timedelta

from app.analytics import rollups
from app.auth.models import Role
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, event, published_note
from tests.conftest import sign_in
from tests.factories import make_api_key, make_user

READER = "b" * 32


def _noon(days_ago: int = 0) -> float:
    day = datetime.now(UTC).date() - timedelta(days=days_ago)
    return datetime.combine(day, datetime.min.time(), UTC).timestamp() + 1


def _campaign_with_two_notes():
    brand = make_user(Role.BRAND)
    campaign = campaign_for(brand)
    return brand, campaign, [published_note(campaign), published_note(campaign)]


def _stats(client, brand, url):
    return client.get(url, headers=bearer(make_api_key(brand))).json


def test_one_visitor_on_two_notes_is_one_campaign_unique_and_two_note_uniques(client):
    brand, campaign, (first, second) = _campaign_with_two_notes()
    at = _noon()
    rollups.ingest_events(
        [event(first, visitor=READER, at=at), event(second, visitor=READER, at=at + 60)]
    )
    db.session.commit()
    stats = _stats(client, brand, f"/api/v1/campaigns/{campaign.id}/stats")
    assert stats["totals"]["uniques"] == 1
    assert stats["totals"]["views"] == 2
    assert sorted(r["uniques"] for r in stats["notes"]) == [1, 1]
    assert stats["totals"]["note_uniques"] == 2
    assert sum(r["uniques"] for r in stats["series"]) == 1
    # A contract has one note: its uniques are that note's.
    contract = _stats(client, brand, f"/api/v1/contracts/{first.contract_id}/stats")
    assert contract["totals"]["uniques"] == 1
    sign_in(client, brand)
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)
    assert "<dt>Unique visitors</dt><dd>1</dd>" in html
    overview = client.get("/analytics").get_data(as_text=True)
    assert "<td>2</td><td>1</td>" in overview  # views 2, unique visitors 1
    series_csv = client.get(f"/analytics/campaigns/{campaign.id}/export.csv?table=series").get_data(
        as_text=True
    )
    assert sum(int(r["uniques"]) for r in csv.DictReader(io.StringIO(series_csv))) == 1
    notes_csv = client.get(f"/analytics/campaigns/{campaign.id}/export.csv").get_data(as_text=True)
    assert [int(r["uniques"]) for r in csv.DictReader(io.StringIO(notes_csv))] == [1, 1]


def test_the_same_visitor_on_another_day_counts_again_and_in_another_campaign(client):
    brand, campaign, (first, second) = _campaign_with_two_notes()
    other_note = published_note(campaign_for(brand))
    rollups.ingest_events(
        [
            event(first, visitor=READER, at=_noon(1)),
            event(second, visitor=READER, at=_noon(1) + 3600),
            event(second, visitor=READER, at=_noon()),
            event(other_note, visitor=READER, at=_noon()),
        ]
    )
    db.session.commit()
    stats = _stats(client, brand, f"/api/v1/campaigns/{campaign.id}/stats")
    assert stats["totals"]["uniques"] == 2  # one per day
    other = _stats(client, brand, f"/api/v1/campaigns/{other_note.campaign_id}/stats")
    assert other["totals"]["uniques"] == 1


def test_a_replayed_or_separate_batch_does_not_count_the_visitor_twice(client):
    brand, campaign, (first, second) = _campaign_with_two_notes()
    at = time.time() - 120
    batch = [event(first, visitor=READER, at=at)]
    rollups.ingest_events(batch)
    rollups.ingest_events(batch)  # a replay
    db.session.commit()
    rollups.ingest_events([event(second, visitor=READER, at=at + 60)])  # a later drain
    db.session.commit()
    stats = _stats(client, brand, f"/api/v1/campaigns/{campaign.id}/stats")
    assert (stats["totals"]["uniques"], stats["totals"]["note_uniques"]) == (1, 2)
