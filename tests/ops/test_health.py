"""/healthz names the dependency that is down: 503 only without the database; Redis down (jobs
waiting in the outbox), a late outbox or Stripe misconfigured is "degraded" with 200."""

from __future__ import annotations

from datetime import timedelta

from app import create_app
from app.db_types import utcnow
from app.extensions import db
from app.jobs import stage_job
from tests.conftest import REDIS_URL


def test_all_well(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["problems"] == []
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if REDIS_URL else "disabled")
    assert body["stripe"] == "simulated"
    assert body["outbox"]["state"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_redis_down_with_jobs_waiting_is_degraded_not_down(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    stage_job("tests.ops.log", value=1)  # a money action's job, waiting for the queue
    db.session.flush()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["redis"] == "down" and body["problems"] == ["redis"]
    assert body["outbox"]["waiting"] >= 1
    assert body["database"] == "ok"


def test_an_old_job_in_the_outbox_is_reported_late(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_OUTBOX_MAX_AGE", 300)
    staged = stage_job("tests.ops.log", value=1)
    staged.created_at = utcnow() - timedelta(minutes=20)
    db.session.flush()
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and "outbox" in body["problems"]
    assert body["outbox"]["state"] == "late"
    assert body["outbox"]["oldest_age_seconds"] >= 1200


def test_stripe_configuration_problems_are_named(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")  # the emulator in production
    body = client.get("/healthz").get_json()
    assert body["stripe"] == "misconfigured" and "stripe" in body["problems"]
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    assert client.get("/healthz").get_json()["stripe"] == "misconfigured"
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", "")  # no Connect endpoint
    assert client.get("/healthz").get_json()["stripe"] == "misconfigured"
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", "whsec_y")
    assert client.get("/healthz").get_json()["stripe"] == "ok"


def test_database_down_is_503_and_says_so(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
        UPLOAD_DIR=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "down" and body["database"] == "down"
    assert "database" in body["problems"]
    assert response.headers["X-Request-ID"]
