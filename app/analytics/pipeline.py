"""Where events go: appended to a Redis Stream (one pipelined round trip, no database write),
or written straight to the database when Redis is absent or down; 503 when neither accepts.

Each entry holds one request's events as COPY text rows (app/analytics/event_rows.py). The
writer (``drain``) reads the stream through a consumer group, stores up to the store's
``ingest_chunk`` events at a time with its ``store_rows`` (app/analytics/store/; the SQL store:
``rollups.store_rows``, one COPY and one statement on PostgreSQL, in two
sessions side by side), commits, then acknowledges. A crash between read and commit leaves the
entries pending: the next drain re-reads its own pending entries and claims other consumers'
stale ones (XAUTOCLAIM). A crash between commit and XACK re-delivers entries already stored:
the event id makes them no-ops, so nothing is lost or counted twice.
"""

from __future__ import annotations

import json
import logging
import time

from flask import current_app
from flask_babel import gettext as _

from app import stamps
from app.analytics.event_rows import campaigns_of, encode_rows
from app.analytics.hitbuffer import HitBuffer
from app.analytics.store import current_store
from app.context import in_app_context
from app.errors import DomainError
from app.extensions import db
from app.observability.metrics import tracking_accepted, tracking_written
from app.redis import is_down, mark_down, redis_client
from app.streams import acknowledge, consumer_name, ensure_group, read_entries
from app.streams import backlog as stream_backlog

log = logging.getLogger(__name__)


class TrackingUnavailable(DomainError):
    """Neither Redis nor the database accepted the event: the client retries later."""

    status = 503
    code = "tracking_unavailable"
    retry_after = 5


def use_redis(config=None) -> bool:
    config = config if config is not None else current_app.config
    if config["ANALYTICS_BUFFER"] == "direct":
        return False
    return redis_client(config) is not None


def _to_redis(rows: bytes) -> bool:
    if is_down():
        return False
    client = redis_client()
    try:
        # One entry per request: a single hit or a whole batch is one XADD, one round trip,
        # of COPY rows the writer hands to PostgreSQL as they are.
        client.xadd(current_app.config["ANALYTICS_STREAM"], {"rows": rows})
        return True
    except Exception as error:  # Redis down or refusing: fall back to the database
        mark_down(error, "tracking buffer")
        return False


def _to_database(rows: bytes) -> None:
    try:
        current_store().ingest_rows(rows)  # ANALYTICS_STORE's
        db.session.commit()
        stamps.bump_campaigns(campaigns_of(rows))
    except Exception as error:
        db.session.rollback()
        log.error("tracking event refused by the database: %s", error)
        raise TrackingUnavailable(_("Tracking is unavailable; retry shortly.")) from error


def accept_events(events: list[dict]) -> str:
    """Hand events to Redis, else to the database (commits); returns where they went.
    Raises TrackingUnavailable when neither accepts them (client event ids make retries safe)."""
    if not events:
        return "none"
    return accept_rows(encode_rows(events), len(events))


def accept_rows(rows: bytes, count: int) -> str:
    """``accept_events`` for ``count`` events encoded as COPY rows already (a batch request
    builds its rows as it validates its events)."""
    if use_redis() and _to_redis(rows):
        tracking_accepted(count, "redis")
        return "redis"
    _to_database(rows)
    tracking_accepted(count, "database")
    return "database"


def accept_hit(events: list[dict], *, app=None) -> str:
    """A single view or click: with ANALYTICS_ASYNC (and Redis) buffered off the request path
    and flushed many hits per round trip (app/analytics/hitbuffer.py); otherwise stored now.
    ``app``: the current app, when the caller has it already (the hot path)."""
    app = app if app is not None else current_app._get_current_object()
    if app.config["ANALYTICS_ASYNC"] and use_redis(app.config):
        if hit_buffer.offer(app, events):
            return "buffer"
        raise TrackingUnavailable(_("Tracking is unavailable; retry shortly."))
    return accept_events(events)


def store_buffered(events: list[dict]) -> bool:
    """The hit buffer's flush: True when stored, False when neither store took the events."""
    try:
        accept_events(events)
        return True
    except TrackingUnavailable:
        return False


hit_buffer = HitBuffer(store_buffered)  # this process's buffer of single hits


def drain(*, consumer: str | None = None, count: int | None = None, min_idle_ms: int = 60_000):
    """Move up to ``count`` buffered entries (each one request's events: a hit or a batch of up
    to 500) into the database; returns how many events they held. Idempotent and crash-safe
    (see the module docstring). Commits."""
    client = redis_client()
    if client is None:
        return 0
    consumer = consumer or consumer_name()
    count = count or current_app.config["ANALYTICS_DRAIN_BATCH"]
    stream, group = current_app.config["ANALYTICS_STREAM"], current_app.config["ANALYTICS_GROUP"]
    ensure_group(client, stream, group)
    entries = read_entries(client, stream, group, consumer, count, min_idle_ms)
    entries = [(eid, fields) for eid, fields in entries if fields]  # deleted while pending
    if not entries:
        return 0
    moved, ids, chunk, waiting = 0, [], [], 0
    most = current_store().ingest_chunk
    for eid, fields in entries:
        rows = _entry_rows(eid, fields)
        ids.append(eid)
        chunk.append(rows)
        waiting += rows.count(b"\n")
        if waiting >= most:
            moved += _store_and_ack(client, stream, ids, b"".join(chunk), waiting)
            ids, chunk, waiting = [], [], 0
    if ids:
        moved += _store_and_ack(client, stream, ids, b"".join(chunk), waiting)
    return moved


def _entry_rows(eid: bytes, fields: dict) -> bytes:
    """A stream entry's events as COPY rows; entries of older versions held a JSON list."""
    try:
        if b"rows" in fields:
            return fields[b"rows"]
        return encode_rows(json.loads(fields[b"e"]))
    except (KeyError, ValueError, TypeError):
        log.error("unreadable tracking entry %s dropped", eid)
        return b""


def _store_and_ack(client, stream: str, ids: list, rows: bytes, count: int) -> int:
    """Store one group of entries' events and commit, then acknowledge those entries."""
    try:
        campaigns = current_store().store_rows(rows)  # commits (SQL); ANALYTICS_STORE's
    except Exception:
        db.session.rollback()
        raise  # the entries stay pending and are re-read next time
    pipe = client.pipeline(transaction=False)
    acknowledge(pipe, stream, current_app.config["ANALYTICS_GROUP"], ids)
    tracking_written(pipe, count)  # for /metrics, same round trip
    pipe.execute()
    stamps.bump_campaigns(campaigns)  # their brands' pages of figures are rebuilt
    return count


def wait_for_entries(seconds: float, *, consumer: str | None = None) -> None:
    """The writer's pause between drains: returns as soon as an entry arrives (XREADGROUP
    BLOCK hands it to this consumer, so the next drain reads it first, as its own pending
    entry) or after ``seconds``."""
    client = redis_client()
    deadline = time.monotonic() + seconds
    stream, group = current_app.config["ANALYTICS_STREAM"], current_app.config["ANALYTICS_GROUP"]
    while (left := deadline - time.monotonic()) > 0:
        try:  # blocks below the client's 1 s socket timeout
            ensure_group(client, stream, group)
            if client.xreadgroup(group, consumer or consumer_name(), {stream: ">"}, count=1,
                                 block=max(1, int(min(left, 0.8) * 1000))):  # fmt: skip
                return
        except Exception as error:  # Redis away: a plain pause; the next drain reports it
            log.warning("tracking stream unavailable (%s)", error)
            time.sleep(max(0.0, deadline - time.monotonic()))
            return


def gather(seconds: float, *, entries: int) -> None:
    """The writer's pause after a small drain: single hits gather for up to ``seconds``, unless
    ``entries`` stream entries (a burst of batch requests) are waiting first (checked every 50
    ms: XLEN, one cheap round trip; it also counts entries other writers hold, which can only
    shorten the pause)."""
    client = redis_client()
    stream = current_app.config["ANALYTICS_STREAM"]
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.05))
        try:
            if client.xlen(stream) >= entries:
                return
        except Exception:  # Redis away: the next drain reports it
            return


def backlog() -> int:
    """Entries (requests' worth of events) in the stream not yet stored, pending included."""
    return stream_backlog(current_app.config["ANALYTICS_STREAM"])


def drain_all(*, consumer: str | None = None, min_idle_ms: int = 60_000) -> int:
    """Drain until the stream is empty; returns how many events were moved."""
    total = 0
    while True:
        moved = drain(consumer=consumer, min_idle_ms=min_idle_ms)
        total += moved
        if moved == 0:
            return total


@in_app_context
def drain_job() -> int:
    """For the scheduler (app/cron.py): drain what is buffered now."""
    return drain_all()
