"""The app's Redis: one shared client per address and timeout, and a short "down" memory.

Every part that talks to Redis (the tracking and engagement streams, the page cache, the job
queue, ``/healthz`` and ``/metrics``) takes its client here, so each process keeps one
connection pool per use instead of opening a connection per call. Without ``REDIS_URL`` there
is no client (None) and callers use their database path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from flask import current_app
from redis import Redis

log = logging.getLogger(__name__)
# Hot paths (a tracked hit, a like) wait at most this long before falling back to the database.
HOT_TIMEOUT = 1.0
HOT_CONNECT_TIMEOUT = 0.5
DOWN_SECONDS = 5  # after a failed hot-path call, skip Redis this long (no wait per request)
_clients: dict[tuple[str, float, float], Redis] = {}
_down_until = 0.0


def redis_client(
    config: Mapping | None = None,
    *,
    timeout: float = HOT_TIMEOUT,
    connect_timeout: float = HOT_CONNECT_TIMEOUT,
) -> Redis | None:
    """The shared client for the configured Redis, or None when there is none (``config``:
    the app's, when the caller already has it or has no app context)."""
    url = (config if config is not None else current_app.config).get("REDIS_URL")
    if not url:
        return None
    key = (url, timeout, connect_timeout)
    client = _clients.get(key)
    if client is None:
        client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=connect_timeout)
        _clients[key] = client
    return client


def is_down() -> bool:
    """Whether a hot-path call failed less than DOWN_SECONDS ago."""
    return time.monotonic() < _down_until


def mark_down(error: Exception, what: str) -> None:
    """Remember that Redis refused ``what`` (callers fall back for DOWN_SECONDS)."""
    global _down_until
    log.warning("%s unavailable (%s); writing to the database", what, error)
    _down_until = time.monotonic() + DOWN_SECONDS
