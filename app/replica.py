"""Reads that may come from a PostgreSQL read replica (``DATABASE_REPLICA_URL``): the analytics
dashboards, the stats API, media kits and the analytics CSV export read rollups, conversions and
spend through ``read``. Nothing writes through it: every write — money first of all, tracking
too — goes through ``db.session``'s own engine, the primary. Unset, ``read`` is
``db.session.execute``.

The statement runs in ``db.session`` with the replica's engine as its bind: a connection of the
replica's pool joins the session's transaction (read-only) and is released with it. A replica
lags its primary by the replication delay: a dashboard may miss the last second of traffic, as
it already may through the page cache (``ANALYTICS_DASHBOARD_SECONDS``).
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Result

from app.extensions import db


def replica_engine(app: Flask | None = None) -> Engine | None:
    """The replica's engine (made on first use, one per app and URL), or None when unset."""
    app = app or current_app._get_current_object()
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    engines = app.extensions.setdefault("replica_engines", {})
    if url not in engines:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        engines[url] = create_engine(url, **options)
    return engines[url]


def read(statement, params: dict | None = None) -> Result:
    """Run a read-only ``statement`` on the replica when there is one, else on the primary."""
    engine = replica_engine()
    if engine is None:
        return db.session.execute(statement, params)
    return db.session.execute(statement, params, bind_arguments={"bind": engine})
