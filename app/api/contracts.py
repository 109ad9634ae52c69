"""/api/v1 endpoints for contracts (same services and rules as the web pages)."""

from app.api.routes import bp  # noqa: F401
