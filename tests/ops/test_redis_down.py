"""One Redis for the whole app (app/redis.py): when a tracked click finds Redis down, a like made
next goes straight to the database without trying Redis again, and both are kept."""

from __future__ import annotations

import redis.connection

from app import redis as app_redis
from app.engagement import services
from tests.analytics.support import BROWSER, published_note
from tests.engagement.support import likes, member


def test_a_redis_failure_seen_by_tracking_sends_the_next_like_to_the_database(app, monkeypatch):
    monkeypatch.setattr(app_redis, "_down_until", 0.0)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "redis")
    monkeypatch.setitem(app.config, "ENGAGEMENT_BUFFER", "redis")
    attempts = []
    connect = redis.connection.AbstractConnection.connect

    def counted(self, *args, **kwargs):
        attempts.append(self)
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counted)
    note, shopper = published_note(), member()
    response = app.test_client().get(f"/go/{note.tracking_code}", headers=BROWSER)
    assert response.status_code == 302  # the click was stored in the database instead
    tried = len(attempts)
    assert tried >= 1 and app_redis.is_down()

    assert services.like(shopper, note.id) == "database"
    assert likes(note.id) == 1
    assert len(attempts) == tried  # the like did not wait on Redis a second time
