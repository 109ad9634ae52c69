"""The tracking writer's rules replayed in plain Python, and the rollups-against-raw-events
check: shared by the writer's rule tests and its session tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.analytics import rollups
from app.analytics.models import HourlyRollup, TrackingEvent
from app.extensions import db

WINDOW = timedelta(minutes=30)
FLAGS = ("counted", "new_visitor_today", "new_campaign_visitor_today", "new_kol_visitor_today")
MIDNIGHT = datetime.combine(datetime.now(UTC).date() - timedelta(days=3), datetime.min.time(), UTC)


def at(minutes: float) -> float:
    """Epoch seconds ``minutes`` after a midnight three days ago (negative: the day before)."""
    return (MIDNIGHT + timedelta(minutes=minutes)).timestamp()


def expected_flags(drains: list[list[dict]]) -> dict[str, tuple]:
    """The rules replayed in plain Python, drain by drain: each id stored once (the first
    copy), stored ids left out, the rest in time order; the last counted view per note,
    visitor and day only moves forward, as stored."""
    stored: dict[str, tuple] = {}
    marks: dict = {}
    seen_days: set = set()
    seen_campaign_days: set = set()
    seen_kol_days: set = set()
    for events in drains:
        fresh: dict[str, dict] = {}
        for e in events:
            if e["id"] not in stored:
                fresh.setdefault(e["id"], e)
        rows = rollups.flag_views(
            sorted(fresh.values(), key=lambda e: e["t"]), window=WINDOW, marks=marks,
            seen_days=seen_days, seen_campaign_days=seen_campaign_days,
            seen_kol_days=seen_kol_days,
        )  # fmt: skip
        for row in rows:
            stored[row["event_id"]] = tuple(row[f] for f in FLAGS)
            if row["kind"] == "view" and not row["is_bot"] and row["counted"]:
                key = (row["note_id"], row["visitor"], row["occurred_at"].date())
                marks[key] = max(marks.get(key, row["occurred_at"]), row["occurred_at"])
    return stored


def ingest_drains(drains: list[list[dict]]) -> dict[str, tuple]:
    for events in drains:
        rollups.ingest_events(events)
    rows = db.session.execute(
        select(TrackingEvent.event_id, *(getattr(TrackingEvent, f) for f in FLAGS))
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def assert_rollups_match_raw_events() -> None:
    human_counted = (TrackingEvent.kind == "view") & ~TrackingEvent.is_bot & TrackingEvent.counted
    raw = db.session.execute(
        select(
            TrackingEvent.note_id,
            func.count().filter(human_counted),
            func.count().filter(human_counted & TrackingEvent.new_visitor_today),
            func.count().filter(human_counted & TrackingEvent.new_campaign_visitor_today),
            func.count().filter(human_counted & TrackingEvent.new_kol_visitor_today),
            func.count().filter((TrackingEvent.kind == "view") & TrackingEvent.is_bot),
            func.count().filter((TrackingEvent.kind == "click") & ~TrackingEvent.is_bot),
        ).group_by(TrackingEvent.note_id)
    ).all()
    rolled = db.session.execute(
        select(
            HourlyRollup.note_id,
            func.sum(HourlyRollup.views),
            func.sum(HourlyRollup.uniques),
            func.sum(HourlyRollup.campaign_uniques),
            func.sum(HourlyRollup.kol_uniques),
            func.sum(HourlyRollup.bot_views),
            func.sum(HourlyRollup.clicks),
        ).group_by(HourlyRollup.note_id)
    ).all()
    assert {r[0]: tuple(map(int, r[1:])) for r in raw} == {
        r[0]: tuple(map(int, r[1:])) for r in rolled
    }
