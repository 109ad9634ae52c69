"""Retention of the raw tracking data: ``flask analytics prune`` and the scheduler's daily
``analytics-prune`` step. Rollups are kept forever; raw events (on PostgreSQL whole monthly
partitions, app/analytics/partitions.py), visitor-days and dedupe keys go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from app.analytics.models import EventId, TrackingEvent, VisitorDay
from app.analytics.partitions import Pruned, prune_events
from app.context import in_app_context
from app.extensions import db


def prune_raw_events(*, days: int, event_id_days: int | None = None) -> Pruned:
    """Remove raw events and visitor-days older than ``days`` (at least 1: a view's dedupe
    window reaches into the day before), and dedupe keys older than ``event_id_days``; on
    PostgreSQL whole months of events at once (app/analytics/partitions.py). Rollups are kept
    forever. Flushes only."""
    if days < 1:
        raise ValueError("keep at least one day")
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    if db.session.get_bind().dialect.name == "postgresql":
        pruned = prune_events(cutoff)
    else:
        rows = db.session.execute(
            TrackingEvent.__table__.delete().where(TrackingEvent.occurred_at < cutoff)
        ).rowcount
        pruned = Pruned(rows=rows)
    db.session.execute(VisitorDay.__table__.delete().where(VisitorDay.day < cutoff.date()))
    if event_id_days is None:
        event_id_days = current_app.config["ANALYTICS_EVENT_ID_DAYS"]
    keys_cutoff = now - timedelta(days=event_id_days)
    pruned.event_ids = db.session.execute(
        EventId.__table__.delete().where(EventId.stored_at < keys_cutoff)
    ).rowcount
    return pruned


@in_app_context
def prune_job() -> int:
    """For the scheduler: ``flask analytics prune`` with the configured retention. Commits."""
    pruned = prune_raw_events(days=current_app.config["ANALYTICS_RETENTION_DAYS"])
    db.session.commit()
    return pruned.rows + len(pruned.partitions) + pruned.event_ids
