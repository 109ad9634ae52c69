import pytest

from app import redis as app_redis


@pytest.fixture(autouse=True)
def _direct_buffer(app, monkeypatch):
    """Analytics tests write straight to the database unless a test opts into Redis."""
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")
    monkeypatch.setitem(app.config, "ANALYTICS_BATCH_SECRET", "edge-secret")
    monkeypatch.setattr(app_redis, "_down_until", 0.0)  # no Redis failure of an earlier test
    # Each test's transaction is one shared connection: the writer stores a chunk in this
    # session (tests/analytics/test_writer_sessions.py covers two sessions side by side).
    monkeypatch.setitem(app.config, "ANALYTICS_WRITER_SESSIONS", 1)
