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
from app.analytics.queries import brand_overview, make_range, stats_for
from app.analytics.store import Scope
from app.analytics.store.sql import SqlStore
from app.auth.models import Role
from app.extensions import db
from app.notes.models import Note
from app.workbench.brand import brand_desk
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


NOW = time.time()  # one clock for both stores' traffic: the same hours, whenever they run


def _traffic(notes, seed=3) -> list[dict]:
    rng, now = random.Random(seed), NOW
    return [
        event(rng.choice(notes), "click" if rng.random() < 0.2 else "view",
              visitor=f"{rng.randrange(12):032x}", at=now - rng.random() * 3 * 86400,
              bot=rng.random() < 0.1)
        for _ in range(300)
    ]  # fmt: skip


def _campaign_with_traffic(brand, seed=3, *, in_order=False):
    campaign = campaign_for(brand)
    notes = [published_note(campaign) for _ in range(3)]
    traffic = _traffic(notes, seed)
    if in_order:  # see the hourly chart's test
        traffic.sort(key=lambda e: e["t"])
    for events in (lambda t: (t[:150], t[150:]))(traffic):
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


def _overview_row(brand, campaign, rng) -> dict:
    (row,) = [r for r in brand_overview(brand.id, rng) if r["campaign"].id == campaign.id]
    return {k: row[k] for k in ("views", "uniques", "clicks", "bot_views", "ctr")}


def _desk_row(brand, campaign) -> tuple:
    (row,) = [r for r in brand_desk(brand.id).campaigns if r.campaign.id == campaign.id]
    return row.views, row.clicks, row.daily["views"], row.daily["clicks"]


def test_the_hourly_chart_the_campaign_list_and_the_workbench_read_the_clickhouse_store(
    use_store,
):
    """The reads that used to stay on the database's rollups under ANALYTICS_STORE=clickhouse:
    the hourly chart of a short range, the brand's campaign list (/analytics) and the
    workbench's campaign figures give the SQL store's figures for the same traffic. The
    traffic arrives in time order: a visitor's unique of a day is in the hour of their first
    view of the day on ClickHouse, in the hour of the first view stored on the SQL store, which
    differ when a later view is stored first (docs/analytics.md; the days agree either way)."""
    brand = make_user(Role.BRAND)
    today = datetime.now(UTC).date()
    hourly = make_range(today - timedelta(days=1), today, None)
    assert hourly.granularity == "hour"
    days = make_range(today - timedelta(days=6), None, "day")

    use_store("sql")
    on_sql = _campaign_with_traffic(brand, in_order=True)
    sql = (
        _figures(stats_for(campaign_id=on_sql.id, rng=hourly)),
        _overview_row(brand, on_sql, days),
        _desk_row(brand, on_sql),
    )
    note = db.session.scalar(select(Note.id).where(Note.campaign_id == on_sql.id))
    sql_note = _figures(stats_for(note_id=note, rng=hourly))

    use_store("clickhouse")
    on_ch = _campaign_with_traffic(brand, in_order=True)
    assert _overview_row(brand, on_sql, days)["views"] == 0  # its events are in the database
    ch = (
        _figures(stats_for(campaign_id=on_ch.id, rng=hourly)),
        _overview_row(brand, on_ch, days),
        _desk_row(brand, on_ch),
    )
    note = db.session.scalar(select(Note.id).where(Note.campaign_id == on_ch.id))
    assert _figures(stats_for(note_id=note, rng=hourly)) == sql_note
    assert ch == sql
    assert sum(views for _at, views, _u, _c in ch[0]["series"]) > 0
    assert ch[1]["views"] > 0 and ch[2][0] > 0


def test_a_visitors_history_for_signed_out_for_you_reads_the_clickhouse_store(use_store):
    from app.recommend.queries import visitor_history

    use_store("clickhouse")
    older, latest = published_note(), published_note()
    visitor = "e" * 32
    pipeline.accept_events([
        event(older, visitor=visitor, at=NOW - 3 * 86400),
        event(latest, visitor=visitor, at=NOW),
        event(latest, visitor="f" * 32, at=NOW),
    ])  # fmt: skip
    assert db.session.scalar(select(func.count()).where(TrackingEvent.note_id == latest.id)) == 0
    assert visitor_history(visitor) == [(latest.id, latest.category, 0),
                                        (older.id, older.category, 3)]  # fmt: skip


def _trending_and_recommendations(visitor: str) -> dict:
    """What trending and the recommender give: /explore's Trending tab, a signed-out visitor's
    For you, and the hourly job's For you and related rows."""
    from app.notes.queries import explore_page
    from app.recommend.jobs import compute_notes
    from app.recommend.models import NoteRecommendation, RelatedNote
    from app.recommend.queries import for_visitor

    def scored(stmt) -> list[tuple]:
        # Scores decay with the time they are computed at: the two stores' runs are seconds
        # apart, which moves the sixth decimal.
        return [(*row[:-1], round(row[-1], 4)) for row in db.session.execute(stmt)]

    compute_notes()
    return {
        "trending": [n.id for n in explore_page(tab="trending").items],
        "visitor": [n.id for n in for_visitor(visitor, limit=10).items],
        "for_you": scored(
            select(NoteRecommendation.user_id, NoteRecommendation.rank,
                   NoteRecommendation.note_id, NoteRecommendation.score)
            .order_by(NoteRecommendation.user_id, NoteRecommendation.rank)
        ),
        "related": scored(
            select(RelatedNote.note_id, RelatedNote.rank, RelatedNote.related_id,
                   RelatedNote.score).order_by(RelatedNote.note_id, RelatedNote.rank)
        ),
    }  # fmt: skip


def _without_database_traffic(note_ids) -> None:
    """The database as the ClickHouse store leaves it: no raw events, visitor-days or
    traffic in the rollups (engagement kept)."""
    from sqlalchemy import delete, update

    from app.analytics.models import HourlyRollup, VisitorDay

    db.session.execute(delete(TrackingEvent).where(TrackingEvent.note_id.in_(note_ids)))
    db.session.execute(delete(VisitorDay).where(VisitorDay.note_id.in_(note_ids)))
    traffic = ("views", "uniques", "clicks", "bot_views", "bot_clicks", "campaign_uniques",
               "kol_uniques")  # fmt: skip
    db.session.execute(
        update(HourlyRollup)
        .where(HourlyRollup.note_id.in_(note_ids))
        .values(dict.fromkeys(traffic, 0))
    )
    db.session.commit()


def test_trending_and_the_recommender_read_views_and_clicks_from_the_clickhouse_store(
    use_store,
):
    """Trending (views, clicks) and the recommender (signed-in people's views) give the same
    notes and scores on the SQL store and on ClickHouse for the same traffic, the likes
    staying in the database; without the store's traffic ClickHouse would rank otherwise."""
    from app.engagement import services
    from tests.engagement.support import member

    brand = make_user(Role.BRAND)
    notes = [published_note(campaign_for(brand), title=f"Note {i}") for i in range(5)]
    people = [member() for _ in range(4)]  # signed in, trusted
    services.like(people[3], notes[4].id)  # engagement: in the database on both stores
    db.session.commit()
    visitor = "e" * 32

    def seen(note, person, minutes_ago):
        return {**event(note, visitor=f"{person.id:032x}", at=NOW - minutes_ago * 60),
                "uid": person.id}  # fmt: skip

    traffic = [
        *(event(notes[0], visitor=f"{v:032x}", at=NOW - v * 300) for v in range(6)),
        *(event(notes[1], "click", visitor=f"{v:032x}", at=NOW - 3600) for v in range(2)),
        *(seen(notes[2], p, 30 + i) for i, p in enumerate(people[:3])),
        *(seen(notes[3], p, 20 + i) for i, p in enumerate(people[:3])),
        seen(notes[2], people[3], 10),
        event(notes[2], visitor=visitor, at=NOW - 120),
        event(notes[1], visitor="f" * 32, at=NOW - 90, bot=True),
    ]  # fmt: skip

    use_store("sql")
    pipeline.accept_events(traffic)
    on_sql = _trending_and_recommendations(visitor)
    _without_database_traffic([n.id for n in notes])

    use_store("clickhouse")
    assert _trending_and_recommendations(visitor)["trending"] != on_sql["trending"]
    pipeline.accept_events(traffic)
    on_clickhouse = _trending_and_recommendations(visitor)
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0
    assert on_clickhouse == on_sql
    assert on_sql["trending"][:2] == [notes[1].id, notes[0].id]  # 2 clicks (10), 6 views
    mine = [(rank, note) for user, rank, note, _s in on_sql["for_you"] if user == people[3].id]
    assert mine[0] == (0, notes[3].id)  # co-viewed with what they viewed
    assert on_sql["visitor"][0] == notes[3].id
