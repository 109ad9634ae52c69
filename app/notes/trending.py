"""Trending: how much recent activity a published note has had, decayed with its age, as SQL
that orders any ``select(Note)`` in the same statement (/explore, the feed, recommendations)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    cast,
    func,
    literal,
    select,
)  # fmt: skip
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import UnaryExpression

from app.analytics.models import HourlyRollup
from app.analytics.store import current_store
from app.db_types import utcnow
from app.engagement.models import NoteComment, NoteLike, NoteSave
from app.extensions import db
from app.notes.models import Note

TRENDING_WINDOW_DAYS = 30
# Trending activity: the recent window, its half-life, and what each kind of activity weighs.
ACTIVITY_DAYS = 7
ACTIVITY_HALF_LIFE_HOURS = 48.0
ACTIVITY_WEIGHTS = {"views": 1, "clicks": 5, "likes": 2, "saves": 4, "comments": 3}


def dialect() -> str:
    return db.session.get_bind().dialect.name


def _age_hours(now: datetime) -> ColumnElement:
    if dialect() == "postgresql":
        return func.extract("epoch", literal(now) - Note.published_at) / 3600.0
    moment = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return (func.julianday(moment) - func.julianday(Note.published_at)) * 24.0


def _hours_before(now: datetime, column) -> ColumnElement:
    if dialect() == "postgresql":
        return func.extract("epoch", literal(now) - column) / 3600.0
    moment = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return (func.julianday(moment) - func.julianday(column)) * 24.0


def engagement_weight(now: datetime | None = None) -> ColumnElement:
    """1 + the note's recent activity: over the last ACTIVITY_DAYS of its hourly rollups,
    Σ (views + 5·clicks + 2·likes + 4·saves + 3·comments) × ½^(hours ago / ACTIVITY_HALF_LIFE).
    Views are human, deduplicated ones; engagement is net (an unlike takes one off). A
    correlated subquery answered by the (note_id, hour) index: no extra query per note. With
    an analytics store other than SQL the rollups hold engagement only: views and clicks come
    from the store (``store_traffic``), joined by note id in the same statement."""
    now = now or utcnow()
    r = HourlyRollup
    activity = sum(
        (getattr(r, name) * weight for name, weight in ACTIVITY_WEIGHTS.items()), literal(0)
    )
    decay = func.power(0.5, _hours_before(now, r.hour) / ACTIVITY_HALF_LIFE_HOURS)
    recent = (
        (
            select(func.coalesce(func.sum(activity * decay), 0.0))
            .where(
                r.note_id == Note.id,
                r.hour >= now - timedelta(days=ACTIVITY_DAYS),
                r.hour <= now,
            )
            .correlate(Note)
            .scalar_subquery()
        )
        - _flagged_activity(now)
        + store_traffic(now)
    )
    return (
        1.0 + func.greatest(recent, 0.0)
        if dialect() == "postgresql"
        else 1.0 + func.max(recent, 0.0)
    )


def traffic_activity(hours: dict[int, dict[datetime, dict]], now: datetime) -> dict[int, float]:
    """Σ (views + 5·clicks) × ½^(hours ago / ACTIVITY_HALF_LIFE) per note, of a store's
    ``note_hours``: the traffic part of ``engagement_weight``, computed in the app."""
    weights = ACTIVITY_WEIGHTS
    return {
        note_id: sum(
            (counts["views"] * weights["views"] + counts["clicks"] * weights["clicks"])
            * 0.5 ** ((now - hour).total_seconds() / 3600 / ACTIVITY_HALF_LIFE_HOURS)
            for hour, counts in by_hour.items()
        )
        for note_id, by_hour in hours.items()
    }


def store_traffic(now: datetime) -> ColumnElement:
    """The traffic activity of each note with views or clicks in the analytics store over the
    last ACTIVITY_DAYS (one store read, no database query), looked up by note id in the
    statement; 0 with the SQL store, whose traffic is in the rollups ``engagement_weight``
    reads already."""
    store = current_store()
    if store.name == "sql":
        return literal(0.0)
    hours = store.note_hours(now - timedelta(days=ACTIVITY_DAYS), now)
    activity = traffic_activity(hours, _aware(now))
    if not activity:
        return literal(0.0)
    # One parameter however many notes had traffic: a JSON object of note id → activity,
    # looked up per note (PostgreSQL parses it once: a jsonb constant).
    by_note = literal(json.dumps({str(n): a for n, a in activity.items()}), String)
    if dialect() == "postgresql":
        found = func.jsonb_extract_path_text(cast(by_note, JSONB), cast(Note.id, String))
    else:
        found = func.json_extract(by_note, '$."' + cast(Note.id, String) + '"')
    return func.coalesce(cast(found, Float), 0.0)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _flagged_activity(now: datetime) -> ColumnElement:
    """What flagged likes, saves and comments (new accounts) put into the rollups above,
    weighted and decayed the same way: taken off again, so they never lift a note (issue 24).
    Read from the engagement rows (flagged ones are few), one correlated subquery each."""
    parts = []
    for model, counter in ((NoteLike, "likes"), (NoteSave, "saves"), (NoteComment, "comments")):
        decay = func.power(0.5, _hours_before(now, model.created_at) / ACTIVITY_HALF_LIFE_HOURS)
        live = [model.removed_at.is_(None)] if model is NoteComment else []
        parts.append(
            select(func.coalesce(func.sum(ACTIVITY_WEIGHTS[counter] * decay), 0.0))
            .where(
                model.note_id == Note.id,
                model.flagged.is_(True),
                model.created_at >= now - timedelta(days=ACTIVITY_DAYS),
                model.created_at <= now,
                *live,
            )
            .correlate(Note)
            .scalar_subquery()
        )
    return sum(parts, literal(0.0))


def trending_score(now: datetime) -> ColumnElement:
    """engagement_weight / (age in hours + 2) ^ 1.5 — a Hacker-News-style decay with age."""
    return engagement_weight(now) / func.power(_age_hours(now) + 2.0, 1.5)


def trending_order(now: datetime | None = None) -> list[UnaryExpression]:
    """ORDER BY for a trending ordering of any ``select(Note)``: /explore's Trending tab and
    the personal feed (``stmt.order_by(*trending_order(now))``); ties by newest. Computed in
    the same SQL statement (constant number of queries)."""
    now = now or utcnow()
    return [trending_score(now).desc(), Note.published_at.desc(), Note.id.desc()]
