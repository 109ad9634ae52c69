"""Running in production: structured logs with request ids, Prometheus metrics, health."""

from __future__ import annotations

from flask import Flask

from app.observability.logging import configure_logging, init_request_logging


def init_app(app: Flask) -> None:
    """Logging first (its before_request runs first, its after_request last)."""
    # Imported here, not at the top: app.jobs imports app.observability.logging (this package
    # first) while it is itself being imported, and metrics reads app.jobs' outbox table.
    from app.observability.metrics import bp, observe_request

    configure_logging(app)
    init_request_logging(app, observe_request)
    app.register_blueprint(bp)
