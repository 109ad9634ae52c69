"""Storing events once and adding them to the hourly rollups (the writer's database side).

``ingest_events`` (or ``ingest_rows``, for the Redis writer's COPY rows) is the one path for
every event, whether it comes from the Redis writer, a direct write or a batch: events already
stored are left out, the rest are inserted ``ON CONFLICT (event_id) DO NOTHING RETURNING`` and
only the rows really inserted update the visitor-days (unique visitors and the last counted
view, for the dedupe window) and the rollups, so a replayed batch changes nothing. On
PostgreSQL it is one COPY and one statement (app/analytics/pg_ingest.py); on SQLite
``flag_views`` decides the same rules in Python.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text, tuple_

from app.analytics import pg_ingest
from app.analytics.event_rows import campaigns_of, decode_rows, encode_rows, split_rows
from app.analytics.models import EventId, HourlyRollup, TrackingEvent, VisitorDay
from app.extensions import db

# PostgreSQL advisory locks keep dedupe exact: a writer storing every visitor's events holds
# WRITER_LOCK alone; the sessions of a split chunk (store_rows) hold it shared, plus the lock
# of their partition of visitors (WRITER_LOCK + 1 + partition), so they run side by side. The
# number of partitions is ANALYTICS_WRITER_SESSIONS: every writer must use the same one, or two
# writers' partitions of one visitor would differ and not exclude each other.
WRITER_LOCK = 0x4B4F4C41
CHUNK = 500
EVENT_COLUMNS = (
    "event_id", "kind", "occurred_at", "note_id", "contract_id", "campaign_id", "visitor",
    "is_bot", "counted", "new_visitor_today", "user_id", "new_campaign_visitor_today",
    "new_kol_visitor_today",
)  # fmt: skip
COUNTERS = (
    "views", "uniques", "clicks", "bot_views", "bot_clicks", "conversions", "revenue",
    "campaign_uniques", "kol_uniques",
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
    """Insert raw events whose id is not stored yet (SQLite): the id first, in
    analytics_event_ids (the dedupe key, whatever the event's time), then the events of the ids
    really inserted; returns those ids."""
    new: set[str] = set()
    now = datetime.now(UTC)
    for chunk in _chunks(rows):
        stmt = (
            _insert(EventId)
            .values([{"event_id": r["event_id"], "stored_at": now} for r in chunk])
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(EventId.__table__.c.event_id)
        )
        ids = set(db.session.execute(stmt).scalars().all())
        stmt = _insert(TrackingEvent).on_conflict_do_nothing(
            index_elements=["event_id", "occurred_at"]
        )
        _execute_many(stmt, [r for r in chunk if r["event_id"] in ids])
        new.update(ids)
    return new


def _lock_writer(partition: int | None = None) -> None:
    if _dialect() != "postgresql":
        return
    if partition is None:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
    else:
        db.session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:key), pg_advisory_xact_lock(:key + :p)"),
            {"key": WRITER_LOCK, "p": 1 + partition},
        )


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["ANALYTICS_DEDUPE_MINUTES"])


def ingest_events(events: list[dict]) -> int:
    """Store view/click events once each and add the new ones to the hourly rollups; returns
    how many were new. Views repeat-filtered per visitor per note per window; flushes only."""
    if not events:
        return 0
    if _dialect() == "postgresql":
        return ingest_rows(encode_rows(events))
    _lock_writer()
    return _ingest_in_python(events)


def ingest_rows(data: bytes, *, partition: int | None = None) -> int:
    """``ingest_events`` for events already encoded as COPY rows (app/analytics/event_rows.py),
    as the Redis stream holds them: PostgreSQL stores them with one COPY and one statement.
    ``partition``: the rows hold only that partition's visitors (``store_rows``)."""
    if not data:
        return 0
    _lock_writer(partition)
    if _dialect() == "postgresql":
        return pg_ingest.ingest_rows(data, window=_window())
    return _ingest_in_python(decode_rows(data))


def store_rows(data: bytes) -> set[int]:
    """Store a chunk of COPY rows and commit; returns the campaigns of its events. On
    PostgreSQL with ANALYTICS_WRITER_SESSIONS N > 1, a chunk of at least
    ANALYTICS_WRITER_SPLIT_ROWS events (a backlog, batch intake) is stored by N sessions side by
    side, each the visitors of its partition (a visitor's dedupe state is never split between
    them); each commits on its own, so after a failure the caller re-reads the chunk (the
    stored part is then a no-op)."""
    if not data:
        return set()
    if (
        _dialect() != "postgresql"
        or current_app.config["ANALYTICS_WRITER_SESSIONS"] < 2
        or data.count(b"\n") < current_app.config["ANALYTICS_WRITER_SPLIT_ROWS"]
    ):  # a small chunk (steady single hits): one session leaves the other core to the web
        ingest_rows(data)
        db.session.commit()
        return campaigns_of(data)
    app = current_app._get_current_object()
    groups, campaigns = split_rows(data, current_app.config["ANALYTICS_WRITER_SESSIONS"])
    parts = [(p, rows) for p, rows in enumerate(groups) if rows]
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        done = [pool.submit(_store_partition, app, rows, p) for p, rows in parts]
    for future in done:
        future.result()  # the first failure, once all finished
    return campaigns


def _store_partition(app, data: bytes, partition: int) -> None:
    with app.app_context():  # a session (and connection) of its own
        try:
            ingest_rows(data, partition=partition)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


def _stored_ids(ids: list[str]) -> set[str]:
    stored: set[str] = set()
    for chunk in _chunks(ids, 400):
        stmt = select(EventId.event_id).where(EventId.event_id.in_(chunk))
        stored.update(db.session.scalars(stmt))
    return stored


def _visitor_days(keys: set[tuple]) -> list[tuple]:
    """The stored visitor-days (day, visitor, note, campaign, KOL, last counted view) of the
    (day, visitor) pairs ``keys``: each pair's whole day, read by the primary key's prefix."""
    table = VisitorDay.__table__
    found: list[tuple] = []
    for chunk in _chunks(sorted(keys), 300):
        stmt = select(table.c.day, table.c.visitor, table.c.note_id, table.c.campaign_id,
                      table.c.kol_id, VisitorDay.counted_at,
                      ).where(tuple_(table.c.day, table.c.visitor).in_(chunk))  # fmt: skip
        found.extend(tuple(r) for r in db.session.execute(stmt))
    return found


def window_days(at: datetime, window: timedelta) -> set[date]:
    """The UTC days a dedupe window either side of ``at`` touches: the visitor-days that can
    hold a counted view less than a window away."""
    return {(at - window).date(), at.date(), (at + window).date()}


def _ingest_in_python(events: list[dict]) -> int:
    """The SQLite writer: the same rules as app/analytics/pg_ingest.py, decided in Python."""
    by_id: dict[str, dict] = {}
    for event in events:
        by_id.setdefault(str(event["id"])[:64], event)
    stored = _stored_ids(list(by_id))
    fresh = sorted(
        (e for event_id, e in by_id.items() if event_id not in stored), key=lambda e: float(e["t"])
    )
    window = _window()
    keys = {
        (day, str(e["v"])[:64])
        for e in fresh
        if e["k"] == "view" and not e["b"]
        for day in window_days(datetime.fromtimestamp(float(e["t"]), UTC), window)
    }
    stored_days = _visitor_days(keys)
    rows = flag_views(
        fresh, window=window,
        marks={(n, v, d): at for d, v, n, _c, _k, at in stored_days if at is not None},
        seen_days={(d, n, v) for d, v, n, _c, _k, _at in stored_days},
        seen_campaign_days={(d, c, v) for d, v, _n, c, _k, _at in stored_days},
        seen_kol_days={(d, k, v) for d, v, _n, _c, k, _at in stored_days},
    )  # fmt: skip
    new_ids = _insert_new_events([{c: r[c] for c in EVENT_COLUMNS} for r in rows])
    inserted = [r for r in rows if r["event_id"] in new_ids]
    _apply_visitor_days(inserted)
    _apply_rollups(inserted)
    return len(inserted)


def flag_views(
    events: list[dict],
    *,
    window: timedelta,
    marks: dict[tuple[int, str, date], datetime],
    seen_days: set[tuple],
    seen_campaign_days: set[tuple],
    seen_kol_days: set[tuple],
) -> list[dict]:
    """Raw event rows for new events in time order, with the dedupe flags. ``marks``: the
    stored last counted view per (note, visitor, day). A human view is counted when it is at
    least ``window`` away from the latest stored one of the days its window touches (either
    side of it) — until a view of that visitor and note is counted in these events; from then
    on, when it is a window after the last one counted here. The first counted one of a day
    per note, per campaign and per KOL is a new unique visitor unless that day is in
    ``seen_*`` (updated)."""
    rows = []
    counted_here: dict[tuple[int, str], datetime] = {}
    for event in events:
        at = datetime.fromtimestamp(float(event["t"]), UTC)
        key = (int(event["n"]), str(event["v"])[:64])
        counted, new_today, new_in_campaign, new_for_kol = True, False, False, False
        if event["k"] == "view" and not event["b"]:
            last = counted_here.get(key)
            if last is None:
                stored = [marks.get((*key, d)) for d in window_days(at, window)]
                last = max((m for m in stored if m is not None), default=None)
            if last is not None and abs(at - last) < window:
                counted = False
            else:
                counted_here[key] = at
                day_key = (at.date(), *key)
                if day_key not in seen_days:
                    seen_days.add(day_key)
                    new_today = True
                campaign_day = (at.date(), int(event["p"]), key[1])
                if campaign_day not in seen_campaign_days:
                    seen_campaign_days.add(campaign_day)
                    new_in_campaign = True
                kol_day = (at.date(), int(event["u"]), key[1])
                if kol_day not in seen_kol_days:
                    seen_kol_days.add(kol_day)
                    new_for_kol = True
        rows.append(
            {
                "event_id": str(event["id"])[:64],
                "kind": event["k"],
                "occurred_at": at,
                "note_id": key[0],
                "contract_id": int(event["c"]),
                "campaign_id": int(event["p"]),
                "visitor": key[1],
                "is_bot": bool(event["b"]),
                "counted": counted,
                "new_visitor_today": new_today,
                "new_campaign_visitor_today": new_in_campaign,
                "new_kol_visitor_today": new_for_kol,
                "user_id": int(event["uid"]) if event.get("uid") else None,
                "_kol": int(event["u"]),
            }
        )
    return rows


def _apply_visitor_days(rows: list[dict]) -> None:
    """A visitor-day per (day, visitor, note) with a counted view: added, or its last counted
    view moved on (never back: a late view counted now must not pull it back)."""
    latest: dict[tuple, dict] = {}
    for row in rows:
        if row["kind"] == "view" and not row["is_bot"] and row["counted"]:
            key = (row["occurred_at"].date(), row["visitor"], row["note_id"])
            day = latest.setdefault(key, {
                "day": key[0], "visitor": key[1], "note_id": key[2],
                "campaign_id": row["campaign_id"], "kol_id": row["_kol"],
                "counted_at": row["occurred_at"],
            })  # fmt: skip
            day["counted_at"] = max(day["counted_at"], row["occurred_at"])
    stmt = _insert(VisitorDay)
    # SQLite's two-argument max() is NULL when either is (a row from before migration 0012);
    # its timestamps are text of one fixed format, so they compare.
    stored = func.coalesce(VisitorDay.counted_at, stmt.excluded.counted_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "visitor", "note_id"],
        set_={"counted_at": func.max(stored, stmt.excluded.counted_at)},
    )
    _execute_many(stmt, list(latest.values()))


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
                acc["kol_uniques"] += 1 if row["new_kol_visitor_today"] else 0
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
