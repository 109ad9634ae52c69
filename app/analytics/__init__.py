"""Campaign analytics: tracking, the ingestion pipeline, rollups and dashboards."""

from app.analytics import models  # noqa: F401
