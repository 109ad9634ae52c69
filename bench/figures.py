"""Figures the bench computes besides plain throughput: the batch endpoint end to end, the
mixed load, SQL queries per page, the dashboard at sizes."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select

from bench.data import BROWSER
from bench.wrk import wrk


def stored_events(note_ids: list[int]) -> int:
    """Raw events stored for these notes (index on note_id: cheap even at 10M rows)."""
    from app.analytics.models import TrackingEvent
    from app.extensions import db

    count = db.session.scalar(
        select(func.count()).select_from(TrackingEvent).where(TrackingEvent.note_id.in_(note_ids))
    )
    db.session.rollback()
    return int(count)


def wait_stored(note_ids: list[int], expected: int, timeout: float = 30) -> tuple[int, float]:
    """(events stored, seconds waited) once ``expected`` are stored or the time is up."""
    start = time.monotonic()
    while True:
        have = stored_events(note_ids)
        if have >= expected or time.monotonic() - start > timeout:
            return have, time.monotonic() - start
        time.sleep(0.1)


def batch_bodies(code: str, secret: str, events: int, size: int = 500) -> Path:
    """Signed batches of unique view events, one "signature<TAB>body" per line."""
    run = secrets.token_hex(4)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller deletes it
        "w", suffix=".txt", prefix="bench-bodies-", delete=False
    )
    with handle:
        for b in range(events // size):
            body = json.dumps({"events": [
                {"type": "view", "event_id": f"bench{run}-{b}-{i}", "code": code,
                 "visitor": f"bv{run}{b}x{i}"} for i in range(size)
            ]}, separators=(",", ":"))  # fmt: skip
            sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
            handle.write(f"{sig}\t{body}\n")
    return Path(handle.name)


class StreamWatch:
    """The tracking stream, watched cheaply while wrk runs (Redis only, no database query):
    drained once every batch sent has been added (entries-added) and none is left (the writer
    deletes an entry once its events are committed)."""

    def __init__(self, batches: int):
        from flask import current_app

        from app.redis import redis_client

        self.client, self.stream = redis_client(), current_app.config["ANALYTICS_STREAM"]
        self.target = self._info().get("entries-added", 0) + batches
        self.drained_at: float | None = None

    def _info(self) -> dict:
        try:
            raw = self.client.xinfo_stream(self.stream)
        except Exception:  # no stream yet
            return {}
        return {(k.decode() if isinstance(k, bytes) else k): v for k, v in raw.items()}

    def drained(self) -> bool:
        info = self._info()
        if info.get("entries-added", 0) >= self.target and info.get("length", 1) == 0:
            self.drained_at = self.drained_at or time.time()
        return self.drained_at is not None

    def last_added_at(self) -> float | None:
        """When the last entry was added (a stream id is its Redis clock time in ms)."""
        last = self._info().get("last-generated-id")
        if not last:
            return None
        return int((last.decode() if isinstance(last, bytes) else last).split("-")[0]) / 1000


def batch_end_to_end(base: str, code: str, secret: str, notes: list[int], events: int) -> dict:
    """Send ``events`` in signed batches of 500 (wrk, 2 threads × 4 connections), then wait
    for the writer to store them all. Events/s counts from the first request to the last
    event stored; the HTTP part ends with the last batch added to the stream."""
    bodies = batch_bodies(code, secret, events)
    before = stored_events(notes)
    watch = StreamWatch(batches=events // 500)
    started = time.time()
    try:
        run = wrk(base, "/api/v1/events/batch", seconds=60, connections=4, script="batch.lua",
                  env={"BENCH_BODIES": str(bodies)}, timeout=30,
                  stop_when=watch.drained)  # fmt: skip
    finally:
        bodies.unlink()
    accepted = run.marks.get("accepted", 0)
    stored, _waited = wait_stored(notes, before + accepted)
    stored -= before
    finished = watch.drained_at or time.time()  # the writer was still busy when wrk ended
    last_added = watch.last_added_at() or finished
    http_seconds = max(last_added - started, 1e-6)
    return {
        "events_sent": events,
        "events_accepted": accepted,
        "events_stored": stored,
        "lost": max(0, accepted - stored),
        "http_seconds": http_seconds,
        "drain_seconds": max(0.0, finished - last_added),
        "events_per_s": stored / max(finished - started, 1e-6),
        "http_events_per_s": accepted / http_seconds,
        "server_errors": run.server_errors,
    }


def mixed_file(st: dict, kol_cookie: str) -> Path:
    """Browsing, bidding (one unique KOL/campaign pair per block) and tracking hits."""
    ua = "|".join(f"{k}: {v}" for k, v in BROWSER.items())
    lines = []
    notes, codes = st["mixed_note_paths"], st["mixed_codes"]
    pairs = [(k, c) for c in st["open_campaigns"] for k in st["keys"]["kols"]]
    random.shuffle(pairs)  # other pairs than the last run's (one open bid per KOL and campaign)
    delivery = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 20 * 86400))
    bid = json.dumps({"price": 50_000, "pitch": "Bench pitch", "proposed_delivery": delivery})
    for n, (key, campaign) in enumerate(pairs):
        lines += [
            f"GET\t{notes[n % len(notes)]}\t{ua}",
            f"GET\t/go/{codes[n % len(codes)]}\t{ua}",
            f"GET\t/explore\t{ua}",
            f"GET\t{notes[(n + 3) % len(notes)]}\t{ua}",
            f"GET\t/campaigns\t{ua}|Cookie: {kol_cookie}",
            f"GET\t/go/{codes[(n + 5) % len(codes)]}\t{ua}",
            f"GET\t/explore?tab=trending\t{ua}",
            f"POST\t/api/v1/campaigns/{campaign}/bids\tAuthorization: Bearer {key}|"
            f"Content-Type: application/json\t{bid}",
        ]
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller deletes it
        "w", suffix=".txt", prefix="bench-mixed-", delete=False
    )
    with handle:
        handle.write("\n".join(lines) + "\n")
    return Path(handle.name)


def mixed_load(base, st, kol_cookie, stack, *, seconds: float, delay_ms: int, connections: int):
    notes = st["tracking_notes"]
    path = mixed_file(st, kol_cookie)
    before = stored_events(notes)
    rss_before = {name: stack.rss_mb(name) for name in ("worker", "writer", "gunicorn")}
    try:
        run = wrk(base, "/", seconds=seconds, connections=connections, script="mixed.lua",
                  env={"BENCH_MIXED": str(path), "BENCH_DELAY_MS": str(delay_ms)})  # fmt: skip
    finally:
        path.unlink()
    hits = run.marks.get("clicks", 0) + run.marks.get("views", 0)
    stored, waited = wait_stored(notes, before + hits)
    time.sleep(2)  # let the worker finish the jobs the bids staged
    rss_after = {name: stack.rss_mb(name) for name in ("worker", "writer", "gunicorn")}
    return {
        "seconds": run.duration_s,
        "rate": run.rps,
        "connections": connections,
        "delay_ms": delay_ms,
        "requests": run.requests,
        "statuses": run.statuses,
        "server_errors": run.server_errors + run.socket_errors,
        "tracking_hits": hits,
        "tracking_lost": max(0, hits - (stored - before)),
        "bids_placed": run.marks.get("bids", 0),
        "p50_ms": run.p50_ms,
        "p99_ms": run.p99_ms,
        "drain_seconds": waited,
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
    }


HTTPS = "https://localhost"  # production cookies are Secure: the test client sends them on https


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _listener(self, *_args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._listener)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._listener)


def test_client_login(client, email: str, password: str) -> None:
    page = client.get("/auth/login", headers=BROWSER, base_url=HTTPS).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={**BROWSER, "Referer": f"{HTTPS}/auth/login"},  # CSRF checks it on https
        base_url=HTTPS,
    )
    if response.status_code != 302:
        raise RuntimeError(f"test-client sign-in failed for {email}")


def queries_per_page(app, pages: dict[str, tuple[str, str | None, dict]]) -> dict[str, dict]:
    """SQL statements per page in a test-client pass: the first request and a repeat (which
    may be served from a cache)."""
    from app.extensions import db
    from tests.factories import PASSWORD

    counts = {}
    clients = {}
    with app.app_context():
        engine = db.engine
    for name, (path, who, headers) in pages.items():
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                test_client_login(clients[who], who, PASSWORD)
        client = clients[who]
        seen = []
        for _ in range(2):
            with QueryCounter(engine) as counter:
                response = client.get(path, headers={**BROWSER, **headers}, base_url=HTTPS)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code} in the query pass")
            seen.append(counter.count)
        counts[name] = {"first": seen[0], "again": seen[1]}
    return counts
