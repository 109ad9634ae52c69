"""Running in production: structured logs with request ids, Prometheus metrics, health."""

from __future__ import annotations

from flask import Flask

from app.observability.logging import configure_logging, init_request_logging


def init_app(app: Flask) -> None:
    """Logging first (its before_request runs first, its after_request last)."""
    configure_logging(app)
    init_request_logging(app)
    from app.observability.metrics import bp

    app.register_blueprint(bp)
