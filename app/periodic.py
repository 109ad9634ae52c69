"""Periodic work and its registry: what the scheduler runs, in one table a reader can open.

RQ's cron scheduler runs these in production (`make scheduler`, app/cron.py), `make run` in a
thread of its server (app/scheduler.py); the CLI runs the same functions anywhere
(`flask contracts tick`, `flask jobs sweep`). ``CONTRACT_TICKS`` lists
every step of the contracts tick: review-window approvals, unfunded contracts, keep-live
releases and bid expiry. Each step takes ``now``, flushes, and returns how many objects it
moved; the tick commits once after all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.bids.services import expire_bids
from app.context import in_app_context
from app.db_types import utcnow
from app.extensions import db
from app.jobs import run_inline_jobs, sweep_staged_jobs
from app.licences.services import remind_licence_endings
from app.notes.services import auto_approve_due_notes
from app.payments.approvals import release_after_keep_live
from app.payments.funding import expire_unfunded_contracts

CONTRACT_TICKS: dict[str, Callable[[datetime], int]] = {
    "auto_approve": auto_approve_due_notes,
    "expire_unfunded": expire_unfunded_contracts,
    "keep_live_release": release_after_keep_live,
    "expire_bids": expire_bids,
    "licence_reminders": remind_licence_endings,
}


def run_ticks(now: datetime | None = None) -> dict[str, int]:
    """Run every contract tick once; each flushes, the caller commits."""
    now = now or utcnow()
    return {name: step(now) for name, step in CONTRACT_TICKS.items()}


@in_app_context
def tick_contracts() -> dict[str, int]:
    """Run every contract tick once and commit."""
    counts = run_ticks()
    db.session.commit()
    run_inline_jobs()
    return counts


@in_app_context
def sweep_jobs() -> int:
    """Re-push (or run inline) staged jobs that never reached the queue, and commit."""
    count = sweep_staged_jobs()
    db.session.commit()
    run_inline_jobs()
    return count
