"""With ANALYTICS_STORE=clickhouse the tracking path stores events in ClickHouse (nothing in the
database's raw events) and the campaign dashboard reads its traffic from there: the same
traffic gives the same dashboard figures as the SQL store, with conversions and revenue (money)
still from the database."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.analytics import pipeline
from app.analytics.models import TrackingEvent
from app.analytics.queries import make_range, stats_for
from app.analytics.store import Scope
from app.analytics.store.sql import SqlStore
from app.auth.models import Role
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, event, published_note
from tests.factories import make_api_key, make_user


@pytest.fixture
def use_store(app, monkeypatch, clickhouse_store):
    def use(name: str):
        monkeypatch.setitem(app.config, "ANALYTICS_STORE", name)
        store = clickhouse_store if name == "clickhouse" else SqlStore()
        monkeypatch.setitem(app.extensions, "analytics_store", store)
        return store

    return use


def _traffic(notes, seed=3) -> list[dict]:
    rng, now = random.Random(seed), time.time()
    return [
        event(rng.choice(notes), "click" if rng.random() < 0.2 else "view",
              visitor=f"{rng.randrange(12):032x}", at=now - rng.random() * 3 * 86400,
              bot=rng.random() < 0.1)
        for _ in range(300)
    ]  # fmt: skip


def _campaign_with_traffic(brand, seed=3):
    campaign = campaign_for(brand)
    notes = [published_note(campaign) for _ in range(3)]
    for events in (lambda t: (t[:150], t[150:]))(_traffic(notes, seed)):
        pipeline.accept_events(events)  # the tracking path (direct: no Redis in these tests)
    return campaign


def _figures(stats) -> dict:
    keys = ("views", "uniques", "note_uniques", "clicks", "bot_views", "bot_clicks", "ctr")
    return {
        "totals": {k: stats["totals"][k] for k in keys},
        "series": [(r["at"], r["views"], r["uniques"], r["clicks"]) for r in stats["series"]],
        "notes": sorted((r["views"], r["uniques"], r["clicks"]) for r in stats["notes"]),
    }


def test_the_clickhouse_store_gets_the_events_and_the_dashboard_the_same_figures(use_store, client):
    brand = make_user(Role.BRAND)
    rng = make_range(datetime.now(UTC).date() - timedelta(days=6), None, "day")
    use_store("sql")
    on_sql = _campaign_with_traffic(brand)
    sql_stats = stats_for(campaign_id=on_sql.id, rng=rng)

    store = use_store("clickhouse")
    on_ch = _campaign_with_traffic(brand)
    raw_in_database = db.session.scalar(
        select(func.count()).where(TrackingEvent.campaign_id == on_ch.id)
    )
    assert raw_in_database == 0
    assert store.raw_events(Scope("campaign", on_ch.id)) == 300
    ch_stats = stats_for(campaign_id=on_ch.id, rng=rng)
    assert _figures(ch_stats) == _figures(sql_stats)
    assert ch_stats["totals"]["views"] > 0
    assert ch_stats["totals"]["note_uniques"] > ch_stats["totals"]["uniques"]  # notes overlap

    key = make_api_key(brand)
    api = client.get(f"/api/v1/campaigns/{on_ch.id}/stats", headers=bearer(key)).json
    assert api["totals"]["views"] == sql_stats["totals"]["views"]
    assert api["totals"]["uniques"] == sql_stats["totals"]["uniques"]
