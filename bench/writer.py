"""The batch path in one process, without HTTP sockets or wrk: how many events per second the
intake (POST /api/v1/events/batch through the Flask test client: JSON, validation, XADD) and
the writer (``pipeline.drain_all``: stream → COPY → rollups) each move.

    .venv/bin/python bench/writer.py [--events 200000] [--size 500] [--visitors N] [--random-ids]
        [--sessions 1|2] [--profile intake|writer] [--analyze]

Against its own database and Redis db (never the bench's): WRITER_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/bench_writer, created when missing, migrated)
and WRITER_REDIS_URL (default redis://127.0.0.1:6379/12), on a stream of its own that is
deleted at the end. The tables keep growing run after run (as in production), unanalyzed
unless --analyze (autovacuum is off on the shared server and in CI). --visitors draws views
from a pool of that many visitors (repeats within the dedupe window); by default every view
is a new visitor, like `make bench`. Event ids and visitors are numbered per run, as `make
bench` sends them (an edge server counting its events): their index inserts land together;
--random-ids makes both random (UUIDv4-like), each insert a random page of a large index. The
end checks that every event was stored once and the rollups equal the counts from the raw
events.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "WRITER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_writer"
)
REDIS_URL = os.environ.get("WRITER_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET = secrets.token_hex(16)


def ensure_database() -> None:
    import subprocess

    url = urlsplit(DATABASE_URL.replace("+psycopg", ""))
    name = url.path.lstrip("/")
    if url.hostname not in {"127.0.0.1", "localhost"} or name == "bench":
        raise SystemExit("bench/writer.py runs only on 127.0.0.1, never on the bench database")
    args = ["-h", url.hostname, "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - our own name
    exists = subprocess.run(  # noqa: S603
        ["psql", *args, "-tAc", query, "postgres"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", *args, name], check=True)  # noqa: S603, S607


def make_app(stream: str, sessions: int = 2):
    from bench.run import bench_env  # production's settings, as `make bench` serves them

    os.environ.update(
        {**bench_env(), "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "LOG_LEVEL": "warning"}
    )
    from app import create_app

    return create_app(
        ANALYTICS_BATCH_SECRET=SECRET,
        ANALYTICS_BUFFER="redis",
        ANALYTICS_STREAM=stream,
        ANALYTICS_WRITER_SESSIONS=sessions,
        RATELIMIT_ENABLED=False,
    )


def tracked_note():
    """A published note of a funded contract (built once per database)."""
    from sqlalchemy import select

    from app.auth.models import Role, User
    from app.extensions import db
    from app.notes.models import Note, NoteStatus
    from bench.data import _note
    from tests.factories import make_campaign, make_kol, make_user

    email = "brand@writer-bench.kol.test"
    brand = db.session.scalar(select(User).where(User.email == email))
    if brand is None:
        brand = make_user(Role.BRAND, email=email, name="Writer bench")
        campaign = make_campaign(brand, title="Writer bench", notes_wanted=10, budget=10**8)
        _note(campaign, make_kol(verified=True, email="kol@writer-bench.kol.test"), 1)
    return db.session.scalar(
        select(Note).where(Note.brand_id == brand.id, Note.status == NoteStatus.PUBLISHED)
    )


def batch_bodies(
    code: str, events: int, size: int, visitors: int | None, random_ids: bool = False
) -> list[tuple]:
    """(signature header, body) per batch, as an edge server sends them (bench/figures.py)."""
    run, rng = secrets.token_hex(4), random.Random(7)
    bodies = []
    for b in range(events // size):
        batch = []
        for i in range(size):
            who = f"p{rng.randrange(visitors)}" if visitors else f"bv{run}{b}x{i}"
            event_id = f"wb{run}-{b}-{i}"
            if random_ids:
                event_id, who = secrets.token_hex(16), who if visitors else secrets.token_hex(16)
            batch.append({"type": "view", "event_id": event_id, "code": code, "visitor": who})
        body = json.dumps({"events": batch}, separators=(",", ":")).encode()
        sig = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        bodies.append((f"sha256={sig}", body))
    return bodies


def profiled(name: str, wanted: str | None):
    if wanted != name:
        import contextlib

        return contextlib.nullcontext()
    from pyinstrument import Profiler

    class Printing(Profiler):
        def __exit__(self, *exc):
            super().__exit__(*exc)
            print(self.output_text(unicode=True, color=False, show_all=False))

    return Printing(interval=0.0005)


def backends_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend of this database (same host: /proc)."""
    from sqlalchemy import text

    from app.extensions import db

    pids = db.session.scalars(
        text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    ).all()
    db.session.rollback()
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def intake(app, bodies: list[tuple], profile: str | None) -> tuple[int, float]:
    client = app.test_client()
    accepted = 0
    started = time.perf_counter()
    with profiled("intake", profile):
        for signature, body in bodies:
            response = client.post(
                "/api/v1/events/batch",
                data=body,
                headers={"X-Signature": signature, "Content-Type": "application/json"},
            )
            if response.status_code != 200:
                raise SystemExit(f"batch answered {response.status_code}: {response.data[:300]}")
            accepted += response.get_json()["accepted"]
    return accepted, time.perf_counter() - started


def writer(profile: str | None) -> tuple[int, float, float]:
    """(events moved, seconds, CPU seconds of this process and the database's backends)."""
    from app.analytics.pipeline import drain_all

    cpu, before = time.process_time(), backends_cpu()
    started = time.perf_counter()
    with profiled("writer", profile):
        moved = drain_all(consumer="writer-bench")
    elapsed = time.perf_counter() - started
    after = backends_cpu()
    used = sum(after[pid] - before.get(pid, 0.0) for pid in after)
    return moved, elapsed, time.process_time() - cpu + used


def check(note_id: int, since: float) -> dict:
    """Raw events vs rollups for the note since ``since`` (this run's hours)."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from app.extensions import db

    hour = datetime.fromtimestamp(since, UTC).replace(minute=0, second=0, microsecond=0)
    params = {"note": note_id, "hour": hour}
    raw = db.session.execute(
        text(
            "SELECT count(*) AS stored, "
            "count(*) FILTER (WHERE kind = 'view' AND NOT is_bot AND counted) AS views, "
            "count(*) FILTER (WHERE new_visitor_today) AS uniques, "
            "count(*) FILTER (WHERE new_campaign_visitor_today) AS campaign_uniques, "
            "count(*) FILTER (WHERE new_kol_visitor_today) AS kol_uniques "
            "FROM analytics_events WHERE note_id = :note AND occurred_at >= :hour"
        ),
        params,
    ).one()
    rolled = db.session.execute(
        text(
            "SELECT coalesce(sum(views), 0), coalesce(sum(uniques), 0), "
            "coalesce(sum(campaign_uniques), 0), coalesce(sum(kol_uniques), 0) "
            "FROM analytics_hourly "
            "WHERE note_id = :note AND hour >= :hour"
        ),
        params,
    ).one()
    db.session.rollback()
    return {
        "stored": raw.stored,
        "raw_views_uniques": (raw.views, raw.uniques, raw.campaign_uniques, raw.kol_uniques),
        "rollup_views_uniques": tuple(int(v) for v in rolled),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--visitors", type=int, default=None)
    parser.add_argument("--random-ids", action="store_true", help="random event ids and visitors")
    parser.add_argument("--profile", choices=("intake", "writer"))
    parser.add_argument("--sessions", type=int, default=2, help="ANALYTICS_WRITER_SESSIONS")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE the tables first")
    args = parser.parse_args()
    ensure_database()
    stream = f"bench:writer:{secrets.token_hex(4)}"
    app = make_app(stream, args.sessions)
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import text

        from app.extensions import db
        from app.redis import redis_client

        upgrade()
        note = tracked_note()
        db.session.commit()
        if args.analyze:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        stored_before = db.session.scalar(text("SELECT count(*) FROM analytics_events"))
        db.session.rollback()
        bodies = batch_bodies(
            note.tracking_code, args.events, args.size, args.visitors, args.random_ids
        )
        since = time.time()
        try:
            intake_cpu = time.process_time()
            accepted, intake_s = intake(app, bodies, args.profile)
            intake_cpu = time.process_time() - intake_cpu
            moved, writer_s, writer_cpu = writer(args.profile)
        finally:
            redis_client().delete(stream)
        result = check(note.id, since - 1)
    print(f"database {DATABASE_URL.rsplit('/', 1)[-1]}: {stored_before:,} events stored before")
    print(f"intake: {accepted:,} events in {intake_s:.2f} s = {accepted / intake_s:,.0f} events/s"
          f" ({intake_cpu / accepted * 1e6:.1f} µs CPU per event)")  # fmt: skip
    print(f"writer: {moved:,} events in {writer_s:.2f} s = {moved / writer_s:,.0f} events/s"
          f" ({writer_cpu / moved * 1e6:.1f} µs CPU per event, writer + PostgreSQL backends)")  # fmt: skip
    print(f"both in sequence: {moved / (intake_s + writer_s):,.0f} events/s")
    print(f"check: {result}")
    ok = result["raw_views_uniques"] == result["rollup_views_uniques"] and moved == accepted
    print("rollups equal raw counts" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
