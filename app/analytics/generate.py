"""Test volume for benchmarks, fast: `flask analytics generate --events N` on PostgreSQL.

Raw events are streamed with COPY and their hourly rollups added in one upsert, so 10 million
events take minutes, not hours. Every generated view comes from a distinct visitor (so it is
counted, and is a new unique visitor of its note, campaign and KOL that day); 5 % are clicks and
3 % bots. The rollups equal what the writer would have computed from the same raw events.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from app.analytics import partitions
from app.analytics.models import HourlyRollup, TrackingEvent
from app.extensions import db
from app.notes.models import Note, NoteStatus

BATCH = 250_000


def _notes(campaign_id: int | None) -> list:
    stmt = select(Note.id, Note.contract_id, Note.campaign_id, Note.kol_id).where(
        Note.status == NoteStatus.PUBLISHED
    )
    if campaign_id:
        stmt = stmt.where(Note.campaign_id == campaign_id)
    return list(db.session.execute(stmt).all())


def _add_rollups(sums: dict) -> None:
    """(note, hour) counters added to the rollups, in one statement per chunk."""
    from sqlalchemy.dialects.postgresql import insert

    table = HourlyRollup.__table__
    counters = [c for c in ("views", "uniques", "campaign_uniques", "kol_uniques", "clicks",
                            "bot_views", "bot_clicks") if c in table.c]  # fmt: skip
    rows = list(sums.values())
    for start in range(0, len(rows), 5_000):
        chunk = [{k: v for k, v in r.items() if k in table.c} for r in rows[start : start + 5_000]]
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["note_id", "hour"],
            set_={c: table.c[c] + stmt.excluded[c] for c in counters},
        )
        db.session.execute(stmt, chunk)


def generate_copy(
    *,
    count: int,
    days: int,
    seed: int,
    campaign_id: int | None = None,
    progress: Callable[[str], None] = print,
) -> int:
    """Insert ``count`` events over the last ``days`` days for the published notes (of one
    campaign, if given); commits per batch. Returns how many were inserted."""
    notes = _notes(campaign_id)
    if not notes:
        raise ValueError("no published note to generate events for")
    # Each month of the span in a partition of its own, not in the default one.
    partitions.create_between(datetime.now(UTC) - timedelta(days=days), datetime.now(UTC))
    columns = [c.name for c in TrackingEvent.__table__.columns if c.name != "id"]
    rng = random.Random(seed)
    now, span = time.time(), days * 86400
    prefix = secrets.token_hex(4)
    started, done = time.monotonic(), 0
    while done < count:
        size = min(BATCH, count - done)
        sums: dict[tuple[int, int], dict] = {}
        raw = db.session.connection().connection.driver_connection
        copy_sql = f"COPY analytics_events ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for i in range(done, done + size):
                note = notes[rng.randrange(len(notes))]
                at = now - rng.random() * span
                click = rng.random() < 0.05
                bot = rng.random() < 0.03
                human_view = not click and not bot
                values = {
                    "event_id": f"g{prefix}{i}",
                    "kind": "click" if click else "view",
                    "occurred_at": datetime.fromtimestamp(at, UTC),
                    "note_id": note.id,
                    "contract_id": note.contract_id,
                    "campaign_id": note.campaign_id,
                    "visitor": f"{prefix}{i:024x}",
                    "user_id": None,
                    "is_bot": bot,
                    "counted": True,
                    "new_visitor_today": human_view,
                    "new_campaign_visitor_today": human_view,
                    "new_kol_visitor_today": human_view,
                }
                copy.write_row([values.get(c) for c in columns])
                hour = int(at // 3600) * 3600
                acc = sums.get((note.id, hour))
                if acc is None:
                    acc = sums[(note.id, hour)] = {
                        "note_id": note.id,
                        "hour": datetime.fromtimestamp(hour, UTC),
                        "contract_id": note.contract_id,
                        "campaign_id": note.campaign_id,
                        "kol_id": note.kol_id,
                        "views": 0, "uniques": 0, "campaign_uniques": 0, "kol_uniques": 0,
                        "clicks": 0, "bot_views": 0, "bot_clicks": 0, "conversions": 0,
                        "revenue": 0,
                    }  # fmt: skip
                if click:
                    acc["bot_clicks" if bot else "clicks"] += 1
                elif bot:
                    acc["bot_views"] += 1
                else:
                    acc["views"] += 1
                    acc["uniques"] += 1
                    acc["campaign_uniques"] += 1
                    acc["kol_uniques"] += 1
        _add_rollups(sums)
        db.session.commit()
        done += size
        rate = done / max(time.monotonic() - started, 1e-6)
        progress(f"{done}/{count} events ({rate:,.0f}/s)")
    # Each batch rewrote the campaign's rollup rows: reclaim them and refresh the statistics
    # now, or the dashboard reads through dead rows until autovacuum comes by.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) analytics_hourly"))
        connection.execute(text("ANALYZE analytics_events"))
    return done
