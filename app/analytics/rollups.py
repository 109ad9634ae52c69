"""Storing events once and adding them to the hourly rollups (the writer's database side).

``ingest_events`` is the one path for every event, whether it comes from the Redis writer, a
direct write or a batch: raw rows are inserted ``ON CONFLICT (event_id) DO NOTHING RETURNING``
(through a COPY-loaded staging table on PostgreSQL) and only the rows really inserted update
the rollups, so a replayed batch changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from app.analytics.models import (
    CampaignVisitorDay,
    HourlyRollup,
    TrackingEvent,
    ViewMark,
    VisitorDay,
)
from app.analytics.settings import setting
from app.extensions import db

WRITER_LOCK = 0x4B4F4C41  # pg advisory lock id: one writer at a time keeps dedupe exact
CHUNK = 500
EVENT_COLUMNS = (
    "event_id", "kind", "occurred_at", "note_id", "contract_id", "campaign_id", "visitor",
    "is_bot", "counted", "new_visitor_today", "user_id", "new_campaign_visitor_today",
)  # fmt: skip
COUNTERS = (
    "views", "uniques", "clicks", "bot_views", "bot_clicks", "conversions", "revenue",
    "campaign_uniques",
)  # fmt: skip


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert(model):
    if _dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__)


def _execute_many(stmt, rows: list[dict]) -> None:
    """One cached statement, many parameter sets (batched by the driver: insertmanyvalues)."""
    if rows:
        db.session.connection().execute(stmt, rows)


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_new_events(rows: list[dict]) -> set[str]:
    """Insert raw events not stored yet; the event ids really inserted."""
    if not rows:
        return set()
    if _dialect() == "postgresql":
        return _copy_new_events(rows)
    new: set[str] = set()
    for chunk in _chunks(rows):
        stmt = (
            _insert(TrackingEvent)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(TrackingEvent.__table__.c.event_id)
        )
        new.update(db.session.execute(stmt).scalars().all())
    return new


def _copy_new_events(rows: list[dict]) -> set[str]:
    """COPY into a session-temporary staging table, then one INSERT … SELECT."""
    cols = ", ".join(EVENT_COLUMNS)
    db.session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS analytics_stage (event_id varchar(64), "
            "kind varchar(8), occurred_at timestamptz, note_id bigint, contract_id bigint, "
            "campaign_id bigint, visitor varchar(64), is_bot boolean, counted boolean, "
            "new_visitor_today boolean, user_id bigint, new_campaign_visitor_today boolean)"
        )
    )
    db.session.execute(text("TRUNCATE analytics_stage"))
    raw = db.session.connection().connection.driver_connection
    copy_sql = f"COPY analytics_stage ({cols}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in EVENT_COLUMNS))
    # One statement: store the new events, and from exactly those rows move the dedupe marks
    # and the visitor-days on (server side, no round trip per row).
    # ``cols`` is the constant EVENT_COLUMNS list, never user input.
    insert_sql = (
        f"WITH ins AS (INSERT INTO analytics_events ({cols}) SELECT {cols} "  # noqa: S608 # nosec B608
        "FROM analytics_stage ON CONFLICT (event_id) DO NOTHING "
        "RETURNING event_id, kind, note_id, campaign_id, visitor, occurred_at, is_bot, "
        "counted, new_visitor_today, new_campaign_visitor_today), "
        "marks AS (INSERT INTO analytics_view_marks (note_id, visitor, counted_at) "
        "SELECT note_id, visitor, max(occurred_at) FROM ins "
        "WHERE kind = 'view' AND NOT is_bot AND counted GROUP BY note_id, visitor "
        "ON CONFLICT (note_id, visitor) DO UPDATE SET counted_at = "
        "GREATEST(analytics_view_marks.counted_at, EXCLUDED.counted_at)), "
        "days AS (INSERT INTO analytics_visitor_days (day, note_id, visitor) "
        "SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date, note_id, visitor FROM ins "
        "WHERE new_visitor_today ON CONFLICT DO NOTHING), "
        "campaign_days AS (INSERT INTO analytics_campaign_visitor_days (day, campaign_id, "
        "visitor) SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date, campaign_id, visitor "
        "FROM ins WHERE new_campaign_visitor_today ON CONFLICT DO NOTHING) "
        "SELECT event_id FROM ins"
    )
    inserted = db.session.execute(text(insert_sql))
    return set(inserted.scalars().all())


def _lock_writer() -> None:
    if _dialect() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})


def _known_marks(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], datetime]:
    """Last counted view per (note, visitor) of the batch; IN lists on both key columns let
    the primary key index answer (a row-value IN list is a sequential scan on PostgreSQL)."""
    marks: dict[tuple[int, str], datetime] = {}
    notes = sorted({n for n, _v in pairs})
    for chunk in _chunks(sorted({v for _n, v in pairs}), 1000):
        stmt = select(ViewMark.note_id, ViewMark.visitor, ViewMark.counted_at).where(
            ViewMark.note_id.in_(notes), ViewMark.visitor.in_(chunk)
        )
        for note_id, visitor, at in db.session.execute(stmt):
            if (note_id, visitor) in pairs:
                marks[(note_id, visitor)] = at
    return marks


def _known_days(pairs: set[tuple[int, str]], days: set) -> set[tuple]:
    seen: set[tuple] = set()
    notes = sorted({n for n, _v in pairs})
    for chunk in _chunks(sorted({v for _n, v in pairs}), 1000):
        stmt = select(VisitorDay.day, VisitorDay.note_id, VisitorDay.visitor).where(
            VisitorDay.day.in_(days), VisitorDay.note_id.in_(notes), VisitorDay.visitor.in_(chunk)
        )
        seen.update(tuple(r) for r in db.session.execute(stmt) if (r[1], r[2]) in pairs)
    return seen


def _known_campaign_days(pairs: set[tuple[int, str]], days: set) -> set[tuple]:
    """(day, campaign, visitor) already seen, for the campaign-wide unique visitors."""
    seen: set[tuple] = set()
    campaigns = sorted({c for c, _v in pairs})
    for chunk in _chunks(sorted({v for _c, v in pairs}), 1000):
        stmt = select(
            CampaignVisitorDay.day, CampaignVisitorDay.campaign_id, CampaignVisitorDay.visitor
        ).where(
            CampaignVisitorDay.day.in_(days),
            CampaignVisitorDay.campaign_id.in_(campaigns),
            CampaignVisitorDay.visitor.in_(chunk),
        )
        seen.update(tuple(r) for r in db.session.execute(stmt) if (r[1], r[2]) in pairs)
    return seen


def ingest_events(events: list[dict]) -> int:
    """Store view/click events once each and add the new ones to the hourly rollups; returns
    how many were new. Views repeat-filtered per visitor per note per window; flushes only."""
    by_id = {}
    for event in events:
        by_id.setdefault(str(event["id"]), event)
    ordered = sorted(by_id.values(), key=lambda e: float(e["t"]))
    if not ordered:
        return 0
    _lock_writer()
    window = timedelta(minutes=int(setting("ANALYTICS_DEDUPE_MINUTES")))
    human_views = [e for e in ordered if e["k"] == "view" and not e["b"]]
    pairs = {(int(e["n"]), str(e["v"])) for e in human_views}
    when = {id(e): datetime.fromtimestamp(float(e["t"]), UTC) for e in ordered}
    marks = _known_marks(pairs) if pairs else {}
    days = {when[id(e)].date() for e in human_views}
    seen_days = _known_days(pairs, days) if pairs else set()
    campaign_pairs = {(int(e["p"]), str(e["v"])) for e in human_views}
    seen_campaign_days = _known_campaign_days(campaign_pairs, days) if pairs else set()

    rows = []
    for event in ordered:
        at, key = when[id(event)], (int(event["n"]), str(event["v"]))
        counted, new_today, new_in_campaign = True, False, False
        if event["k"] == "view" and not event["b"]:
            last = marks.get(key)
            if last is not None and abs(at - last) < window:
                counted = False
            else:
                marks[key] = at
                day_key = (at.date(), *key)
                if day_key not in seen_days:
                    seen_days.add(day_key)
                    new_today = True
                campaign_day = (at.date(), int(event["p"]), key[1])
                if campaign_day not in seen_campaign_days:
                    seen_campaign_days.add(campaign_day)
                    new_in_campaign = True
        rows.append(
            {
                "event_id": str(event["id"])[:64],
                "kind": event["k"],
                "occurred_at": at,
                "note_id": key[0],
                "contract_id": int(event["c"]),
                "campaign_id": int(event["p"]),
                "visitor": key[1][:64],
                "is_bot": bool(event["b"]),
                "counted": counted,
                "new_visitor_today": new_today,
                "new_campaign_visitor_today": new_in_campaign,
                "user_id": int(event["uid"]) if event.get("uid") else None,
                "_kol": int(event["u"]),
            }
        )
    new_ids = _insert_new_events([{c: r[c] for c in EVENT_COLUMNS} for r in rows])
    fresh = [r for r in rows if r["event_id"] in new_ids]
    if _dialect() != "postgresql":  # PostgreSQL moved them in the same statement
        _apply_marks(fresh)
    _apply_rollups(fresh)
    return len(fresh)


def _apply_marks(rows: list[dict]) -> None:
    latest: dict[tuple[int, str], datetime] = {}
    visitor_days, campaign_days = set(), set()
    for row in rows:
        if row["kind"] == "view" and not row["is_bot"] and row["counted"]:
            key = (row["note_id"], row["visitor"])
            latest[key] = max(latest.get(key, row["occurred_at"]), row["occurred_at"])
        if row["new_visitor_today"]:
            visitor_days.add((row["occurred_at"].date(), row["note_id"], row["visitor"]))
        if row["new_campaign_visitor_today"]:
            campaign_days.add((row["occurred_at"].date(), row["campaign_id"], row["visitor"]))
    mark_rows = [{"note_id": n, "visitor": v, "counted_at": at} for (n, v), at in latest.items()]
    stmt = _insert(ViewMark)
    stmt = stmt.on_conflict_do_update(
        index_elements=["note_id", "visitor"], set_={"counted_at": stmt.excluded.counted_at}
    )
    _execute_many(stmt, mark_rows)
    day_rows = [{"day": d, "note_id": n, "visitor": v} for d, n, v in visitor_days]
    _execute_many(_insert(VisitorDay).on_conflict_do_nothing(), day_rows)
    campaign_rows = [{"day": d, "campaign_id": c, "visitor": v} for d, c, v in campaign_days]
    _execute_many(_insert(CampaignVisitorDay).on_conflict_do_nothing(), campaign_rows)


def _apply_rollups(rows: list[dict]) -> None:
    sums: dict[tuple[int, datetime], dict] = {}
    for row in rows:
        key = (row["note_id"], hour_of(row["occurred_at"]))
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = {
                "note_id": key[0],
                "hour": key[1],
                "contract_id": row["contract_id"],
                "campaign_id": row["campaign_id"],
                "kol_id": row["_kol"],
                **dict.fromkeys(COUNTERS, 0),
            }
        if row["kind"] == "view":
            if row["is_bot"]:
                acc["bot_views"] += 1
            elif row["counted"]:
                acc["views"] += 1
                acc["uniques"] += 1 if row["new_visitor_today"] else 0
                acc["campaign_uniques"] += 1 if row["new_campaign_visitor_today"] else 0
        elif row["kind"] == "click":
            acc["bot_clicks" if row["is_bot"] else "clicks"] += 1
    upsert_rollups(list(sums.values()))


def upsert_rollups(rows: list[dict]) -> None:
    """Add counters to (note, hour) rows, creating them as needed."""
    rows = [{**dict.fromkeys(COUNTERS, 0), **r} for r in rows if any(r.get(c) for c in COUNTERS)]
    stmt = _insert(HourlyRollup)
    table = HourlyRollup.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=["note_id", "hour"],
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
    )
    _execute_many(stmt, rows)


def prune_raw_events(*, days: int) -> int:
    """Delete raw events and dedupe marks older than ``days``; rollups are kept forever."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    deleted = db.session.execute(
        TrackingEvent.__table__.delete().where(TrackingEvent.occurred_at < cutoff)
    ).rowcount
    db.session.execute(VisitorDay.__table__.delete().where(VisitorDay.day < cutoff.date()))
    db.session.execute(
        CampaignVisitorDay.__table__.delete().where(CampaignVisitorDay.day < cutoff.date())
    )
    stale = datetime.now(UTC) - timedelta(days=2)
    db.session.execute(ViewMark.__table__.delete().where(ViewMark.counted_at < stale))
    return deleted
