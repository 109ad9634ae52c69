"""``/healthz``: which dependency is down, cheaply (one indexed query, one Redis PING).

- ``database`` ``ok|down``: down answers 503 (nothing works without it);
- ``redis`` ``ok|down|disabled``: down is "degraded" (200): pages serve, money actions commit
  and their jobs wait in the outbox, tracking falls back to the database;
- ``stripe`` ``ok|simulated|misconfigured``: configuration only, Stripe is never called here
  (misconfigured: a secret key without both webhook endpoints' secrets, or the emulator in
  production);
- ``outbox``: jobs waiting in ``staged_jobs`` and the oldest one's age; older than
  ``HEALTH_OUTBOX_MAX_AGE`` seconds (300) is "late" and degraded (workers stopped or Redis
  unreachable for that long).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from app.db_types import utcnow
from app.extensions import db
from app.jobs import StagedJob
from app.redis import redis_client


def age_seconds(oldest: datetime | None) -> float:
    return round(max((utcnow() - oldest).total_seconds(), 0.0), 1) if oldest else 0.0


def _outbox() -> dict | None:
    try:
        waiting, oldest = db.session.execute(
            select(func.count(), func.min(StagedJob.created_at)).where(StagedJob.status == "staged")
        ).one()
        db.session.rollback()
    except Exception:
        db.session.rollback()
        return None
    age = age_seconds(oldest)
    late = age > float(current_app.config["HEALTH_OUTBOX_MAX_AGE"])
    return {"state": "late" if late else "ok", "waiting": waiting, "oldest_age_seconds": age}


def _redis() -> str:
    client = redis_client(timeout=1, connect_timeout=1)
    if client is None:
        return "disabled"
    try:
        client.ping()
        return "ok"
    except Exception:
        return "down"


def _stripe() -> str:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        return "misconfigured" if config.get("ENV_NAME") == "production" else "simulated"
    secrets = ("STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET")
    return "ok" if all(config.get(name) for name in secrets) else "misconfigured"


def health() -> tuple[dict, int]:
    """The body and status code of /healthz."""
    outbox = _outbox()
    body: dict = {
        "database": "ok" if outbox is not None else "down",
        "redis": _redis(),
        "stripe": _stripe(),
    }
    if outbox is not None:
        body["outbox"] = outbox
    problems = []
    if body["database"] == "down":
        problems.append("database")
    if body["redis"] == "down":
        problems.append("redis")
    if body["stripe"] == "misconfigured":
        problems.append("stripe")
    if outbox is not None and outbox["state"] == "late":
        problems.append("outbox")
    status = "down" if body["database"] == "down" else "degraded" if problems else "ok"
    return {"status": status, "problems": problems, **body}, 503 if status == "down" else 200
