"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make serve``).

Every value comes from the environment with a default sized for a 2-core host; see the
docs/operations.md and .env.example.

- WEB_CONCURRENCY   worker processes (default 2 x cores + 1, i.e. 5 on 2 cores)
- GUNICORN_THREADS  threads per worker (default 1: gunicorn's sync worker; 2 or more switches
                    to the gthread worker). A sync worker takes a connection only when it is
                    idle, so the kernel hands each request to a free worker; it answers one
                    request per connection (no keep-alive) and is meant to sit behind a
                    buffering proxy or load balancer, which holds the clients' keep-alive
                    connections. gthread keeps a client's connection on the worker that
                    accepted it: under `make bench` (16 keep-alive connections) one worker
                    often held 13-16 of them while the others idled, so throughput and p99
                    moved with that luck (hello p99 15-40 ms; sync: 11-17 ms, same
                    throughput). A request that waits on Stripe (checkout, onboarding link)
                    holds its sync worker: STRIPE_TIMEOUT_SECONDS bounds that below the worker
                    timeout; raise WEB_CONCURRENCY (or use threads) if many do at once. Keep
                    workers x threads <= the database pool (SQLAlchemy: 5 + 10 overflow
                    per process) and PostgreSQL's max_connections / number of web hosts.
- BIND or PORT      where to listen (default 0.0.0.0:$PORT, PORT default 8000)
- GUNICORN_TIMEOUT  seconds a worker may stay silent before it is killed and replaced (30)
- GUNICORN_GRACEFUL_TIMEOUT  seconds to finish in-flight requests on restart/SIGTERM (30)
- GUNICORN_KEEPALIVE         seconds to hold an idle keep-alive connection (gthread only) (5)
- GUNICORN_MAX_REQUESTS      recycle a worker after this many requests (default 0 = never),
  GUNICORN_MAX_REQUESTS_JITTER  plus up to this many (default 10%) so workers do not recycle
                    together
- GUNICORN_PRELOAD  import the app once in the master before forking (default on: less
                    memory, import errors stop the start). Connections are never opened in the
                    master, and each worker drops any inherited pool after the fork.
- FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-Proto gunicorn trusts for the URL scheme
                    (default 127.0.0.1; "*" only when nothing but the proxy can reach gunicorn).
                    The client IP for rate limits and the audit log comes from X-Forwarded-For
                    through the app's PROXY_FIX_X_FOR (number of proxies in front), not here.
- GUNICORN_ACCESS_LOG  "-" to also print gunicorn's own access log (default off: the app
                    writes one structured access line per request, with its request id).
- GUNICORN_CONTROL_SOCKET  path of gunicornc's control socket (default: none).
- LOG_FORMAT / LOG_LEVEL  json|text and the level, shared with the app's own logging.

Metrics: prometheus_client runs in multiprocess mode. PROMETHEUS_MULTIPROC_DIR (default
kol-prometheus-<master pid> under the system temp dir) is wiped when the master starts, and a
dead worker's live gauges are dropped (child_exit), so /metrics sums every worker.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from gunicorn import glogging

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
from config import load_dotenv_file  # noqa: E402 - needs HERE on the path

load_dotenv_file()  # .env (if any) before the settings below read the environment


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- Processes -----------------------------------------------------------------------------
workers = _int("WEB_CONCURRENCY", 2 * _cores() + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
preload_app = _flag("GUNICORN_PRELOAD", True)

# --- Network -------------------------------------------------------------------------------
bind = [os.environ.get("BIND") or f"0.0.0.0:{_int('PORT', 8000)}"]
backlog = _int("GUNICORN_BACKLOG", 2048)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request line/header limits stay at gunicorn's defaults (4094 bytes, 100 headers).
# gunicornc's control socket only when asked for: a shared default path ($HOME/.gunicorn)
# would clash between several gunicorns on one host.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
control_socket_disable = not _control_socket

# --- Timeouts and recycling ------------------------------------------------------------------
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycling is a guard against slow leaks, and each recycle costs: the worker's connections are
# closed and its replacement starts with empty caches and pools (`make bench` p99 tails; even
# 20,000 requests recycled a busy worker every ~50 s there). Worker memory is measured flat
# (`make bench` mixed load), so it is off, as gunicorn's own default; set it if RSS grows.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)
# Workers' heartbeat files in memory, not on a (possibly slow) disk; gunicorn's own advice.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# --- Logging -------------------------------------------------------------------------------
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_json_logs = (
    os.environ.get("LOG_FORMAT")
    or ("json" if os.environ.get("APP_ENV") == "production" else "text")
).lower() == "json"
if _json_logs:
    # Gunicorn's own lines (boot, worker timeouts) in the same JSON shape as the app's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.observability.logging.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        # The app's own handler (app/observability/logging.py) is the root's only one.
        "root": {"level": loglevel.upper(), "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"]},
            # Only with GUNICORN_ACCESS_LOG: the app writes its own access line per request.
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["console"] if accesslog else [],
                "propagate": False,
            },
        },
    }


class _Logger(glogging.Logger):
    """Gunicorn's logger, writing access lines only with GUNICORN_ACCESS_LOG. Gunicorn builds
    every request's line (a dict of all its request and response headers, the time formatted)
    whenever a logging configuration is set, as the JSON one above is, even with no handler to
    write it: ~30-50 µs per request, more with more headers (`make bench`, py-spy)."""

    def access(self, resp, req, environ, request_time):
        if accesslog:
            super().access(resp, req, environ, request_time)


logger_class = _Logger

# --- Prometheus multiprocess mode ---------------------------------------------------------------
# Set before the app (and prometheus_client) is imported, in the master, so workers inherit it.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    # Per master (the config file may be read more than once, always in the master).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        tempfile.gettempdir(), f"kol-prometheus-{os.getpid()}"
    )


def on_starting(server) -> None:
    """Start from an empty metrics directory: stale files from a previous run would add up."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def when_ready(server) -> None:
    """With preload, warm the app in the master once (templates compiled, catalogues loaded):
    every forked or recycled worker starts warm."""
    if server.cfg.preload_app:
        import gc

        from app.observability.runtime import warm_up

        server.log.info("warmed up before forking: %s", warm_up(server.app.wsgi()))
        # Everything imported and compiled so far lives as long as the process: keep it out of
        # the garbage collector's passes (shorter pauses in every worker, and pages shared with
        # the master stay shared instead of being touched by each collection).
        gc.freeze()


def post_worker_init(worker) -> None:
    """Without preload, each worker warms itself before it accepts connections."""
    if not worker.cfg.preload_app:
        from app.observability.runtime import warm_up

        warm_up(worker.wsgi)


def post_fork(server, worker) -> None:
    """Never share the master's database connections (if any) with a worker."""
    from app.observability.runtime import dispose_inherited_connections

    dispose_inherited_connections()


def child_exit(server, worker) -> None:
    """Drop a dead worker's live gauges; its counters stay summed in the files."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics directory this configuration created (never one it was given)."""
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
