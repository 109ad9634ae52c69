"""Analytics settings: app config first, then the environment, then a laptop default."""

from __future__ import annotations

import os

from flask import current_app

DEFAULTS: dict[str, object] = {
    "ANALYTICS_BUFFER": "auto",  # auto (Redis when REDIS_URL is set) | redis | direct
    "ANALYTICS_ASYNC": 0,  # 1: single hits leave the request path (app/analytics/hitbuffer.py)
    "ANALYTICS_STREAM": "analytics:events",
    "ANALYTICS_GROUP": "writers",
    "ANALYTICS_BATCH_SECRET": "",  # HMAC secret for signed view/click batches ("" = refused)
    "ANALYTICS_DEDUPE_MINUTES": 30,
    "ANALYTICS_ATTRIBUTION_DAYS": 7,
    "ANALYTICS_RETENTION_DAYS": 90,
    "ANALYTICS_DRAIN_BATCH": 1000,  # stream entries per drain (one hit or batch each)
    # seconds single hits gather after a small drain (below ANALYTICS_WRITER_SPLIT_ROWS), cut
    # short once this many stream entries wait (hits come as ~5 entries/s per web process; a
    # batch request is one entry of up to 500 events: a burst of 50 ends the pause, a lone
    # batch waits it out)
    "ANALYTICS_WRITER_PAUSE": 1.0,
    "ANALYTICS_WRITER_WAKE_ENTRIES": 50,
    "ANALYTICS_WRITER_SESSIONS": 2,  # PostgreSQL: 2 stores each chunk in two sessions at once
    # … when it holds at least this many events: smaller ones (steady single hits) take one
    # session, so a drain does not occupy every core the web processes share with it
    "ANALYTICS_WRITER_SPLIT_ROWS": 2000,
    "ANALYTICS_BOT_SHARE": 0.3,  # flag a note when bots exceed this share of its views
    "ANALYTICS_SPIKE_FACTOR": 5.0,  # flag a day with views above this × the note's baseline
    "ANALYTICS_QUIET_VIEWS": 200,  # flag a note with this many views and no click
}


def _from_environment(name: str):
    default = DEFAULTS[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    return type(default)(raw) if not isinstance(default, str) else raw


def init_app(app) -> None:
    """Every analytics setting the app was not given, read from the environment once, at
    start: a tracked hit reads several, and each os.environ lookup encodes and decodes."""
    for name in DEFAULTS:
        if name not in app.config:
            app.config[name] = _from_environment(name)
    # The writer finds a view's last counted view in the visitor-days of its own day and the
    # days either side (app/analytics/pg_ingest.py): a window of at most one day; and keeps
    # at least those visitor-days.
    for name, low, high in (("ANALYTICS_DEDUPE_MINUTES", 1, 1440),
                            ("ANALYTICS_RETENTION_DAYS", 1, None)):  # fmt: skip
        value = int(app.config[name])
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high else f"at least {low}"
            raise ValueError(f"{name} must be {limit} (got {value})")


def setting(name: str):
    return current_app.config[name]  # init_app filled in every name at start
