"""The embedded default's scheduler (app/scheduler.py): the steps production's RQ cron runs, run
in-process on their schedule, so a demo left running moves on as production does."""

from __future__ import annotations

import logging
import time as clock
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from app.bids.models import Bid, BidStatus
from app.campaigns.models import Campaign
from app.db_types import utcnow
from app.extensions import db
from app.jobs import StagedJob
from app.mail.models import Mail
from app.mail.services import queue_mail
from app.periodic import sweep_jobs, tick_contracts
from app.scheduler import SCHEDULE, EmbeddedScheduler, Step
from tests.factories import make_deal


def _wait_for(condition, seconds: float = 10) -> bool:
    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        if condition():
            return True
        clock.sleep(0.05)
    return False


def _status(model, row_id: int):
    """The row's status as committed now; ends the read (SQLite: a reader blocks the writer)."""
    db.session.expire_all()
    status = db.session.get(model, row_id).status
    db.session.rollback()
    return status


def test_a_running_scheduler_expires_a_bid_and_sends_a_stuck_mail_then_stops(committing_app):
    """Due work appears while the thread runs; the next tick of each short interval does it."""
    app = committing_app
    with app.app_context():
        bid_id = make_deal(stage="bid").bid.id
        mail = queue_mail(recipient="someone@example.com", subject="Hello", body="Hi")
        db.session.commit()
        job_id = db.session.scalar(select(StagedJob.id).order_by(StagedJob.id.desc()))
        steps = (
            Step("contracts-tick", tick_contracts, every=0.2),
            Step("jobs-sweep", sweep_jobs, every=0.2),
        )
        scheduler = EmbeddedScheduler(app, steps, poll_seconds=0.05).start()
        try:
            assert _wait_for(lambda: scheduler.due["contracts-tick"] > utcnow())  # ran once
            assert _status(Bid, bid_id) == BidStatus.PENDING
            campaign_id = db.session.get(Bid, bid_id).campaign_id
            db.session.rollback()
            # Later, the campaign's deadline passes and the mail has waited past the sweep's 30 s.
            past = utcnow() - timedelta(minutes=5)
            db.session.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(application_deadline=past)
            )
            db.session.execute(
                update(StagedJob).where(StagedJob.id == job_id).values(created_at=past)
            )
            db.session.commit()
            assert _wait_for(lambda: _status(Bid, bid_id) == BidStatus.EXPIRED)
            assert _wait_for(lambda: _status(StagedJob, job_id) == "done")
            assert db.session.get(Mail, mail.id).sent_at is not None
            db.session.rollback()
        finally:
            scheduler.stop(timeout=10)
        assert not scheduler.running


def test_a_failing_step_is_logged_and_the_others_keep_their_schedule(committing_app, caplog):
    runs: list[int] = []

    def broken() -> int:
        raise RuntimeError("database is locked")

    steps = (
        Step("broken", broken, every=0.05),
        Step("counter", lambda: runs.append(1), every=0.05),
    )
    scheduler = EmbeddedScheduler(committing_app, steps, poll_seconds=0.02)
    with caplog.at_level(logging.ERROR, logger="app.scheduler"):
        scheduler.start()
        try:
            assert _wait_for(lambda: len(runs) >= 3)
        finally:
            scheduler.stop(timeout=10)
    assert not scheduler.running
    assert any("scheduled step broken failed" in r.getMessage() for r in caplog.records)


def test_a_daily_step_waits_for_its_hour_and_interval_steps_run_at_once():
    daily = Step("finance-reconcile", lambda: None, daily_at=time(2, 30))
    now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert daily.first_due(now) == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert daily.next_due(datetime(2026, 3, 1, 1, 0, tzinfo=UTC)) == now.replace(hour=2, minute=30)
    assert daily.cron() == "30 2 * * *"
    every = Step("jobs-sweep", lambda: None, every=30)
    assert every.first_due(now) == now
    assert every.next_due(now) == now + timedelta(seconds=30)


def test_the_embedded_schedule_is_productions():
    """`make run` runs every row `make scheduler` registers with RQ, at the same intervals."""
    from rq import cron

    import app.cron  # noqa: F401 - registers SCHEDULE with RQ's cron

    registered = {entry["name"]: entry for entry in cron._job_data_registry}
    for step in SCHEDULE:
        entry = registered[step.name]
        assert entry["func"] is step.func
        assert (entry["interval"], entry["cron"]) == (step.every and int(step.every), step.cron())
    assert {"contracts-tick", "jobs-sweep", "finance-reconcile"} <= set(registered)


def test_serve_demo_refuses_production(app, monkeypatch):
    """Production's scheduler is `make scheduler`, exactly one per deployment."""
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["serve-demo", "--port", "1"])
    assert result.exit_code != 0 and "make scheduler" in result.output
