"""Prometheus metrics (prometheus_client), safe under gunicorn's many processes.

Per-request series are in-memory counters and histograms (no database work per request); in
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by gunicorn.conf.py) each worker writes
them to a memory-mapped file and ``/metrics`` sums every worker's. Everything else is a gauge
computed when Prometheus scrapes, with a few cheap queries: RQ queue depth, the staged-jobs
outbox (count and oldest age), payouts by status, the tracking buffer and what its writer
stored. ``/metrics`` answers only a ``METRICS_TOKEN`` bearer or a ``METRICS_ALLOW_IPS`` address.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from app.authz import PUBLIC, access
from app.extensions import db
from app.jobs import StagedJob
from app.observability.health import age_seconds
from app.payments.models import Payout, PayoutStatus
from app.redis import redis_client

log = logging.getLogger(__name__)
bp = Blueprint("observability", __name__)

HTTP_REQUESTS = Counter(
    "kol_http_requests", "HTTP requests answered", ["endpoint", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "kol_http_request_duration_seconds",
    "Time from the request's arrival in Flask until its response started",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TRACKING_ACCEPTED = Counter(
    "kol_tracking_events_accepted",
    "Tracking events accepted by the web processes, by where they went (redis|database)",
    ["via"],
)
# The writer (`flask analytics drain`, any host) adds what it stored to this Redis hash field,
# in the same round trip as its XACK: one figure for every writer process, read at scrape.
WRITTEN_KEY = "kol:metrics"
WRITTEN_FIELD = "tracking_events_written"


def observe_request(status: int, duration_ms: float | None) -> None:
    endpoint = request.endpoint or "unmatched"
    HTTP_REQUESTS.labels(endpoint, request.method, str(status)).inc()
    if duration_ms is not None:
        HTTP_LATENCY.labels(endpoint, request.method).observe(duration_ms / 1000)


def tracking_accepted(count: int, via: str) -> None:
    TRACKING_ACCEPTED.labels(via).inc(count)


def tracking_written(pipe, count: int) -> None:
    """Add to the writer's shared figure inside the writer's own Redis pipeline."""
    pipe.hincrby(WRITTEN_KEY, WRITTEN_FIELD, count)


class ScrapeCollector:
    """Gauges read when Prometheus scrapes (a handful of indexed queries and one Redis
    round trip); a dependency that does not answer is reported as down, never as an error."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        up = GaugeMetricFamily(
            "kol_dependency_up", "1 when the dependency answered this scrape", labels=["name"]
        )
        up.add_metric(["database"], 1 if (yield from self._database()) else 0)
        if self.app.config.get("REDIS_URL"):
            up.add_metric(["redis"], 1 if (yield from self._redis()) else 0)
        yield up

    def _database(self):
        try:
            staged, oldest = db.session.execute(
                select(func.count(), func.min(StagedJob.created_at)).where(
                    StagedJob.status == "staged"
                )
            ).one()
            rows = db.session.execute(select(Payout.status, func.count()).group_by(Payout.status))
            payouts = {status: count for status, count in rows}
            db.session.rollback()
        except Exception as error:
            db.session.rollback()
            log.warning("metrics: database unavailable (%s)", type(error).__name__)
            return False
        yield GaugeMetricFamily(
            "kol_outbox_staged_jobs", "Jobs in the staged_jobs outbox not done yet", value=staged
        )
        yield GaugeMetricFamily(
            "kol_outbox_oldest_age_seconds",
            "Age of the oldest job waiting in the outbox (0 when none waits)",
            value=age_seconds(oldest),
        )
        by_status = GaugeMetricFamily("kol_payouts", "Payouts by status", labels=["status"])
        for status in PayoutStatus:
            by_status.add_metric([status.value], payouts.get(status, 0))
        yield by_status
        return True

    def _redis(self):
        from rq import Queue

        name = self.app.config["RQ_QUEUE"]
        try:
            connection = redis_client(self.app.config, timeout=1, connect_timeout=1)
            queue = Queue(name, connection=connection)
            pipe = connection.pipeline(transaction=False)
            pipe.llen(queue.key)
            pipe.zcard(queue.started_job_registry.key)
            pipe.zcard(queue.scheduled_job_registry.key)
            pipe.zcard(queue.failed_job_registry.key)
            pipe.xlen(self.app.config["ANALYTICS_STREAM"])
            pipe.hget(WRITTEN_KEY, WRITTEN_FIELD)
            queued, started, scheduled, failed, backlog, written = pipe.execute()
        except Exception as error:
            log.warning("metrics: redis unavailable (%s)", type(error).__name__)
            return False
        depth = GaugeMetricFamily(
            "kol_rq_jobs", "RQ jobs by state (queued = queue depth)", labels=["queue", "state"]
        )
        for state, value in (
            ("queued", queued),
            ("started", started),
            ("scheduled", scheduled),
            ("failed", failed),
        ):
            depth.add_metric([name, state], value)
        yield depth
        yield GaugeMetricFamily(
            "kol_tracking_backlog_entries",
            "Tracking stream entries not yet stored by the writer (one per hit or batch)",
            value=backlog,
        )
        yield CounterMetricFamily(
            "kol_tracking_events_written",
            "Tracking events stored by the Redis stream writer (all writer processes)",
            value=int(written or 0),
        )
        return True


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render_metrics(app) -> bytes:
    """The exposition text: per-request series (every worker's) + scrape-time gauges."""
    if _multiprocess_dir():
        from prometheus_client import multiprocess

        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = REGISTRY
    scrape = CollectorRegistry()
    scrape.register(ScrapeCollector(app))
    return generate_latest(base) + generate_latest(scrape)


def _ip_allowed(address: str | None, allowed: str) -> bool:
    if not address or not allowed.strip():
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in allowed.split(","):
        item = item.strip()
        if item:
            try:
                if ip in ipaddress.ip_network(item, strict=False):
                    return True
            except ValueError:
                log.error("METRICS_ALLOW_IPS: %r is not an address or network", item)
    return False


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    allowed = current_app.config.get("METRICS_ALLOW_IPS") or ""
    if not token and not allowed.strip():
        abort(404)  # not configured: there is nothing here
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.startswith("Bearer ") else ""
    if token and bearer and hmac.compare_digest(bearer.encode(), token.encode()):
        return True
    return _ip_allowed(request.remote_addr, allowed)


@bp.get("/metrics")
@access(PUBLIC)  # machine endpoint with its own check: a METRICS_TOKEN bearer or an allowed IP
def metrics():
    if not _authorised():
        return Response(
            "unauthorised\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    response = Response(render_metrics(current_app), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
