"""The ClickHouse store on chdb (issue 25): ingest rate of synthetic events through the store's
writer step (event-id and dedupe lookups, the dedupe rule, the insert and its materialized
view), the engine's own insert rate for the same rows, bytes per event on disk, and the
dashboard reads' latency. Run: .venv/bin/python bench/store_chdb.py [events] (default 1M);
a few minutes at most on 2 cores. Prints one JSON object."""

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

from app.analytics.event_rows import encode_rows  # noqa: E402
from app.analytics.store import Scope  # noqa: E402
from app.analytics.store.clickhouse import EVENT_COLUMNS, ClickHouseStore  # noqa: E402
from app.analytics.store.transports import ChdbTransport  # noqa: E402

CHUNK = 20_000  # the writer's chunk (app/analytics/pipeline.py INGEST_CHUNK)


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


def main(n: int) -> dict:
    rng = random.Random(25)
    start = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    chunks = [encode_rows(c) for c in (lambda e: [e[i : i + CHUNK] for i in range(0, n, CHUNK)])(
        synthetic(n, rng, start))]  # fmt: skip
    transport = ChdbTransport(tempfile.mkdtemp(prefix="store-bench-"))
    store = ClickHouseStore(transport, window_minutes=30, retention_days=90)
    began = time.perf_counter()
    stored = sum(store.ingest_rows(chunk) for chunk in chunks)
    ingest_s = time.perf_counter() - began
    replay = store.ingest_rows(chunks[0])  # a redelivered chunk: nothing stored again

    # The engine alone: the same rows (flags included) inserted as one statement, MV included.
    transport.command("CREATE TABLE kol_analytics.copy AS kol_analytics.events")
    rows = transport.session.query(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM kol_analytics.events", "TabSeparated"
    ).bytes()
    began = time.perf_counter()
    transport.insert("kol_analytics.copy", EVENT_COLUMNS, rows)
    engine_s = time.perf_counter() - began

    transport.command("OPTIMIZE TABLE kol_analytics.events FINAL")
    transport.command("OPTIMIZE TABLE kol_analytics.hourly FINAL")
    sizes = {
        table: transport.rows(
            "SELECT sum(rows), sum(data_compressed_bytes), sum(data_uncompressed_bytes) "
            "FROM system.parts WHERE database = 'kol_analytics' AND table = {t:String} AND active",
            {"t": table},
        )[0]
        for table in ("events", "hourly")
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
        "events": n,
        "stored": stored,
        "replay_stored": replay,
        "store_ingest_events_per_s": round(n / ingest_s),
        "engine_insert_events_per_s": round(n / engine_s),
        "events_bytes_per_event_compressed": round(events_bytes / events_rows, 1),
        "events_bytes_per_event_uncompressed": round(events_raw / events_rows, 1),
        "hourly_rows": sizes["hourly"][0],
        "hourly_bytes_per_event": round(sizes["hourly"][1] / events_rows, 1),
        "dashboard_read_latency": latency,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000), indent=1))
