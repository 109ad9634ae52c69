"""Redis Streams read through a consumer group, crash-safe: the one reader and writer that the
tracking pipeline (app/analytics/pipeline.py) and the engagement pipeline
(app/engagement/pipeline.py) share.

A writer reads entries (``read_entries``: its own pending ones first, then stale ones of dead
consumers, then new ones), stores them and commits, then acknowledges and deletes them
(``acknowledge``). A crash before the commit leaves the entries pending for the next read; a
crash between commit and acknowledgement re-delivers entries the caller must treat as no-ops.
"""

from __future__ import annotations

import os
import socket

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import ResponseError

from app.redis import redis_client

Entry = tuple[bytes, dict]


def consumer_name() -> str:
    """This process's name in a consumer group (host and pid: one per writer process)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def ensure_group(client: Redis, stream: str, group: str) -> None:
    """The stream's consumer group, created (with the stream) when missing."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def read_entries(
    client: Redis, stream: str, group: str, consumer: str, count: int, min_idle_ms: int
) -> list[Entry]:
    """Up to ``count`` entries of a consumer group, crash-safe: 1. this consumer's own entries
    read before a crash, 2. stale entries of dead consumers, 3. new ones."""
    entries: list[Entry] = []
    for _stream, items in client.xreadgroup(group, consumer, {stream: "0"}, count=count) or []:
        entries.extend(items)
    if len(entries) < count:
        claimed = client.xautoclaim(
            stream, group, consumer, min_idle_time=min_idle_ms, start_id="0-0",
            count=count - len(entries),
        )  # fmt: skip
        entries.extend(claimed[1])
    if len(entries) < count:
        fresh = client.xreadgroup(group, consumer, {stream: ">"}, count=count - len(entries))
        for _stream, items in fresh or []:
            entries.extend(items)
    return entries


def acknowledge(pipe: Pipeline, stream: str, group: str, ids: list[bytes]) -> None:
    """Queue on ``pipe`` the acknowledgement and deletion of stored entries."""
    pipe.xack(stream, group, *ids)
    pipe.xdel(stream, *ids)


def backlog(stream: str) -> int:
    """Entries in ``stream`` not yet stored (pending included); 0 without Redis or when down."""
    client = redis_client()
    if client is None:
        return 0
    try:
        return int(client.xlen(stream))
    except Exception:
        return 0
