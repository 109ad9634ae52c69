import pytest

from app.analytics import pipeline


@pytest.fixture(autouse=True)
def _direct_buffer(app, monkeypatch):
    """Analytics tests write straight to the database unless a test opts into Redis."""
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")
    monkeypatch.setitem(app.config, "ANALYTICS_BATCH_SECRET", "edge-secret")
    monkeypatch.setattr(pipeline, "_redis_down_until", 0.0)
