"""Periodic work, run by RQ's cron scheduler in production (`make scheduler`) and by the CLI
(`flask contracts tick`, `flask jobs sweep`) anywhere: review-window approvals, bid expiry,
unfunded contracts, keep-live releases, and re-pushing jobs that never reached the queue."""

from __future__ import annotations

from flask import has_app_context


def _in_app(func):
    if has_app_context():
        return func()
    from app import create_app

    with create_app().app_context():
        return func()


def tick_contracts() -> dict[str, int]:
    """Run every registered contract tick once and commit."""

    def run():
        from app.contracts.lifecycle import run_ticks
        from app.extensions import db
        from app.jobs import run_inline_jobs

        counts = run_ticks()
        db.session.commit()
        run_inline_jobs()
        return counts

    return _in_app(run)


def sweep_jobs() -> int:
    def run():
        from app.extensions import db
        from app.jobs import run_inline_jobs, sweep_staged_jobs

        count = sweep_staged_jobs()
        db.session.commit()
        run_inline_jobs()
        return count

    return _in_app(run)
