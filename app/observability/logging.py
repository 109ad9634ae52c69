"""Structured logs: one JSON object per line (or readable text in development), each carrying
the request id and, when known, the signed-in user and the staged job being run.

The request id comes from a well-formed incoming ``X-Request-ID`` (a proxy's or a client's),
otherwise it is generated; it is echoed in the response's ``X-Request-ID`` header, written on
every line logged while the request runs, and stored with the jobs the request stages, so the
RQ worker's lines for those jobs carry it too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect

HEADER = "X-Request-ID"
# Letters, digits and a few separators, 8-128 long: UUIDs, hex ids, most proxies' ids; never
# anything that could break a log line or a header.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+=/-]{7,127}$")
# Fields set outside a request (an RQ job): staged job id, RQ job id, the staging request's id.
_context: ContextVar[dict[str, object] | None] = ContextVar("log_context", default=None)
_HANDLER_MARK = "_kol_observability"
# LogRecord's own attributes: anything else on a record came through ``extra=``.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
CONTEXT_FIELDS = ("request_id", "method", "path", "user_id", "job_id", "rq_job_id", "job")
_SKIP = _RESERVED | set(CONTEXT_FIELDS) | {"rid"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None) -> str:
    """The caller's request id when it is well formed, else a fresh one."""
    if value and REQUEST_ID_RE.match(value):
        return value
    return new_request_id()


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return (_context.get() or {}).get("request_id")  # type: ignore[return-value]


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Add fields to every log line written inside the block (e.g. while a job runs)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Puts the request/job context on each record (attributes default to None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields: dict[str, object] = dict(_context.get() or {})
        if has_request_context():
            fields.setdefault("request_id", g.get("request_id"))
            fields.setdefault("method", request.method)
            fields.setdefault("path", request.path)
            # Only a user already loaded, by its identity key: never a query for a log line
            # (after a commit its attributes are expired, and reading one began a transaction
            # that stayed open, e.g. across a job's Stripe call, holding SQLite's write lock).
            state = sa_inspect(g.get("_login_user"), raiseerr=False)  # None when anonymous
            if state is not None and state.identity:
                fields.setdefault("user_id", state.identity[0])
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, fields.get(name))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, logger, message, context, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _SKIP and name not in entry and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for development: time level logger [request id] message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(rid)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.rid = getattr(record, "request_id", None) or "-"
        line = super().format(record)
        if getattr(record, "status", None) is not None and record.name == ACCESS_LOGGER:
            line += f" status={record.status} duration_ms={record.duration_ms}"
        return line


ACCESS_LOGGER = "kol.access"
access_log = logging.getLogger(ACCESS_LOGGER)


def log_format(app: Flask) -> str:
    value = app.config.get("LOG_FORMAT") or (
        "json" if app.config.get("ENV_NAME") == "production" else "text"
    )
    return "json" if str(value).lower() == "json" else "text"


def configure_logging(app: Flask) -> logging.Handler:
    """Install (once per process; replaced on a new app) the root handler on stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if log_format(app) == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    return handler


def init_request_logging(app: Flask, observe: Callable[[int, float | None], None]) -> None:
    """Request id in and out, one access line per request (probes at DEBUG), and
    ``observe(status, duration_ms)`` for the metrics."""

    @app.before_request
    def _start_request() -> None:
        g.request_id = incoming_request_id(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response):
        request_id = g.get("request_id") or new_request_id()
        response.headers[HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        observe(response.status_code, duration_ms)
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        if access_log.isEnabledFor(level):
            access_log.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={"status": response.status_code, "duration_ms": duration_ms},
            )
        return response


QUIET_PATHS = frozenset({"/healthz", "/metrics"})


@contextmanager
def job_context(staged_job_id: int, name: str | None, request_id: str | None) -> Iterator[None]:
    """Log context for one staged job run (inline or by an RQ worker)."""
    fields: dict[str, object] = {"job_id": staged_job_id, "job": name}
    if not has_request_context():
        fields["request_id"] = request_id
    try:
        from rq import get_current_job

        current = get_current_job()
        if current is not None:
            fields["rq_job_id"] = current.id
    except Exception:  # noqa: S110 - not in a worker, or RQ missing: nothing to add
        pass
    with bind(**fields):
        yield
