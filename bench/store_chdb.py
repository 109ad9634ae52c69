"""The ClickHouse store on chdb (issue 25): the ingest rate of synthetic events through the
store's writer step (event-id and dedupe lookups, the dedupe rule in Python, the insert and its
materialized views), the engine's own insert rate for one batch of events, bytes per event on
disk (of that batch), and the dashboard reads' latency. Run:
.venv/bin/python bench/store_chdb.py [store events (200,000)] [engine batch (1,000,000)];
about two minutes on 2 cores. Prints one JSON object."""

from __future__ import annotations

import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.analytics.event_rows import encode_rows
from app.analytics.rollups import flag_views
from app.analytics.store import Scope
from app.analytics.store.clickhouse import EVENT_COLUMNS, ClickHouseStore, _tsv
from app.analytics.store.clickhouse_sql import TABLES
from app.analytics.store.transports import ChdbTransport

CHUNK = ClickHouseStore.ingest_chunk  # the writer's chunk on this store


def synthetic(n: int, rng: random.Random, start: float) -> list[dict]:
    """A day of traffic: 1,000 notes in 50 campaigns, 200,000 visitors, 8 % clicks, 5 % bots."""
    events = []
    for i in range(n):
        note = rng.randrange(1000)
        events.append({
            "id": secrets.token_hex(12), "k": "click" if rng.random() < 0.08 else "view",
            "t": start + 86_400 * i / n, "n": note + 1, "c": note + 1, "p": note % 50 + 1,
            "u": note % 300 + 1, "v": f"{rng.randrange(200_000):032x}",
            "b": 1 if rng.random() < 0.05 else 0,
        })  # fmt: skip
    return events


def main(n_store: int, n_engine: int) -> dict:
    rng = random.Random(25)
    start = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    events = synthetic(n_store, rng, start)
    chunks = [encode_rows(events[i : i + CHUNK]) for i in range(0, n_store, CHUNK)]
    transport = ChdbTransport(tempfile.mkdtemp(prefix="store-bench-"))
    store = ClickHouseStore(transport, window_minutes=30, retention_days=90)
    began = time.perf_counter()
    stored = sum(store.ingest_rows(chunk) for chunk in chunks)
    ingest_s = time.perf_counter() - began
    replay = store.ingest_rows(chunks[0])  # a redelivered chunk: nothing stored again

    # The engine alone: one batch of n_engine events (flags decided beforehand by the same
    # rule) inserted as one statement into emptied tables, the materialized views included.
    for table in TABLES:
        transport.command("TRUNCATE TABLE kol_analytics." + table)
    batch = synthetic(n_engine, rng, start)
    rows = _tsv(flag_views(batch, window=timedelta(minutes=30), marks={}, seen_days=set(),
                           seen_campaign_days=set(), seen_kol_days=set()))  # fmt: skip
    began = time.perf_counter()
    transport.insert("kol_analytics.events", EVENT_COLUMNS, rows)
    engine_s = time.perf_counter() - began

    transport.command("OPTIMIZE TABLE kol_analytics.events FINAL")
    transport.command("OPTIMIZE TABLE kol_analytics.hourly FINAL")
    transport.command("OPTIMIZE TABLE kol_analytics.daily FINAL")
    sizes = {
        table: transport.rows(
            "SELECT sum(rows), sum(data_compressed_bytes), sum(data_uncompressed_bytes) "
            "FROM system.parts WHERE database = 'kol_analytics' AND table = {t:String} AND active",
            {"t": table},
        )[0]
        for table in TABLES
    }
    day = datetime.fromtimestamp(start, UTC).date()
    latency = {}
    for kind, ids in (("campaign", range(1, 51)), ("note", range(1, 1001, 20))):
        times = []
        for scope_id in ids:
            t0 = time.perf_counter()
            store.figures(Scope(kind, scope_id), day, day + timedelta(days=1))
            store.daily(Scope(kind, scope_id), day - timedelta(days=14), day + timedelta(days=1))
            times.append((time.perf_counter() - t0) * 1000)
        latency[kind] = {"p50_ms": round(statistics.median(times), 1),
                         "max_ms": round(max(times), 1)}  # fmt: skip
    events_rows, events_bytes, events_raw = sizes["events"]
    return {
        "store_events": n_store,
        "stored": stored,
        "replay_stored": replay,
        "store_ingest_events_per_s": round(n_store / ingest_s),
        "engine_batch_events": n_engine,
        "engine_insert_events_per_s": round(n_engine / engine_s),
        "events_bytes_per_event_compressed": round(events_bytes / events_rows, 1),
        "events_bytes_per_event_uncompressed": round(events_raw / events_rows, 1),
        "hourly_rows": sizes["hourly"][0],
        "hourly_bytes_per_event": round(sizes["hourly"][1] / events_rows, 1),
        "daily_rows": sizes["daily"][0],
        "daily_bytes_per_event": round(sizes["daily"][1] / events_rows, 1),
        "event_ids_bytes_per_event": round(sizes["event_ids"][1] / events_rows, 1),
        "marks_bytes_per_event": round(sizes["marks"][1] / events_rows, 1),
        "dashboard_read_latency": latency,
    }


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*sizes, *(200_000, 1_000_000)[len(sizes) :]), indent=1))
