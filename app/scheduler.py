"""What runs on a schedule, in one table, and the in-process scheduler of the embedded default.

Production runs ``SCHEDULE`` with RQ's cron scheduler (`make scheduler`, app/cron.py registers
every row); `make run` has no Redis, so ``flask serve-demo`` runs the same rows in a thread of
its one server process (``EmbeddedScheduler``), and a demo left running approves notes whose
review window passed, expires bids, cancels unfunded contracts, releases keep-live holds and
sweeps the outbox as production does. It is started only by that command: never by
``create_app``, so tests, other ``flask`` commands and gunicorn workers never run one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import Flask

from app.analytics.bursts import notify_bursts
from app.analytics.partitions import create_ahead_job
from app.analytics.pipeline import drain_job
from app.analytics.retention import prune_job
from app.db_types import utcnow
from app.engagement.pipeline import drain_job as engagement_drain_job
from app.extensions import db
from app.finance.reconcile import reconcile_yesterday
from app.outcomes.services import settle_outcomes
from app.periodic import sweep_jobs, tick_contracts
from app.recommend.jobs import recompute_recommendations
from app.shortlists.reliability import refresh_job as refresh_kol_reliability
from app.webhooks.delivery import retry_job as retry_webhooks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One scheduled function: every ``every`` seconds, or daily at ``daily_at`` (UTC)."""

    name: str
    func: Callable[[], Any]
    every: float | None = None
    daily_at: time | None = None

    def cron(self) -> str | None:
        """The crontab line RQ's scheduler takes for a daily step."""
        return f"{self.daily_at.minute} {self.daily_at.hour} * * *" if self.daily_at else None

    def first_due(self, now: datetime) -> datetime:
        """Interval steps are due at once (a restart catches up); daily ones at their hour."""
        return now if self.every is not None else self.next_due(now)

    def next_due(self, now: datetime) -> datetime:
        if self.every is not None:
            return now + timedelta(seconds=self.every)
        today = now.replace(hour=self.daily_at.hour, minute=self.daily_at.minute, second=0)
        today = today.replace(microsecond=0)
        return today if today > now else today + timedelta(days=1)


SCHEDULE: tuple[Step, ...] = (
    Step("contracts-tick", tick_contracts, every=60),  # app/periodic.py CONTRACT_TICKS
    Step("jobs-sweep", sweep_jobs, every=30),  # staged jobs never run (the outbox)
    # Find KOLs sorts by the stored reliability score (app/shortlists/reliability.py).
    Step("kol-reliability", refresh_kol_reliability, every=600),
    # Brands' webhook deliveries whose next attempt is due (app/webhooks/delivery.py).
    Step("webhooks-retry", retry_webhooks, every=30),
    Step("finance-reconcile", reconcile_yesterday, daily_at=time(2, 30)),
    # Outcome terms: each contract weekly during its performance window, finally at its end.
    Step("outcomes-settle", settle_outcomes, daily_at=time(3, 0)),
    # The tracking writers: only with a Redis buffer; without one they return 0 at once.
    Step("analytics-drain", drain_job, every=5),
    Step("engagement-drain", engagement_drain_job, every=5),
    # PostgreSQL's monthly event partitions made ahead, and raw data past the retention
    # dropped (whole partitions; app/analytics/partitions.py). SQLite: prune only.
    Step("analytics-partitions", create_ahead_job, daily_at=time(0, 10)),
    Step("analytics-prune", prune_job, daily_at=time(4, 0)),
    # For you, related notes and KOLs for brands, from behaviour (app/recommend/jobs.py).
    Step("recommendations", recompute_recommendations, every=3600),
    # Bursts of engagement from new accounts: the brand and the admins told (app/analytics).
    Step("engagement-bursts", notify_bursts, every=300),
)


class EmbeddedScheduler:
    """Runs ``steps`` in a daemon thread of this process, each in its own app context; a
    failing step is logged and tried again at its next time, never stops the others."""

    def __init__(
        self,
        app: Flask,
        steps: tuple[Step, ...] = SCHEDULE,
        *,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app, self.steps, self.poll_seconds, self.clock = app, steps, poll_seconds, clock
        now = clock()
        self.due = {step.name: step.first_due(now) for step in steps}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        """Run every step that is due now; returns their names."""
        ran = []
        for step in self.steps:
            now = self.clock()
            if self.due[step.name] > now:
                continue
            self.due[step.name] = step.next_due(now)
            self._run(step)
            ran.append(step.name)
        return ran

    def _run(self, step: Step) -> None:
        with self.app.app_context():
            try:
                result = step.func()
            except Exception:
                db.session.rollback()
                log.exception("scheduled step %s failed; it runs again at its next time", step.name)
                return
        if _moved(result):
            log.info("scheduled step %s: %s", step.name, result)

    def start(self) -> EmbeddedScheduler:
        self._thread = threading.Thread(target=self._loop, name="embedded-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop after the step running now (if any) ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.poll_seconds)


def _moved(result: Any) -> bool:
    """Whether a step's answer (a count, counts by name, a run id) says it did something."""
    return any(result.values()) if isinstance(result, dict) else bool(result)
