"""Background jobs through an outbox: staged in the transaction, pushed after commit.

``stage_job(name, **kwargs)`` writes a ``staged_jobs`` row in the caller's transaction. After
the transaction commits, the job ids are pushed to RQ (or, in the embedded default, run inline
at the end of the request). A rollback discards them with the row. ``flask jobs sweep`` (also
run on a schedule) re-pushes staged jobs that were never run, e.g. because Redis was down.
Every job may run more than once and must be idempotent; ``run_staged_job`` skips done ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import JSON, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.context import in_app_context
from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db
from app.observability.logging import current_request_id, job_context
from app.redis import redis_client

log = logging.getLogger(__name__)
JOBS: dict[str, Callable[..., Any]] = {}
PENDING_KEY = "staged_job_ids"
REQUEST_ID_KEY = "_request_id"  # kept with the row's kwargs, not passed to the job


class StagedJob(db.Model):
    __tablename__ = "staged_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="staged", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(TZDateTime())


def job(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a job function under a stable name (rows outlive code renames)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        JOBS[name] = func
        return func

    return register


def stage_job(name: str, **kwargs: Any) -> StagedJob:
    """Stage a job in the current transaction; it runs only if the transaction commits."""
    if name not in JOBS:
        raise KeyError(f"unknown job {name}")
    request_id = current_request_id()
    if request_id:  # the job's log lines carry the id of the request that staged it
        kwargs = {**kwargs, REQUEST_ID_KEY: request_id}
    staged = StagedJob(name=name, kwargs=kwargs)
    db.session.add(staged)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(staged.id)
    return staged


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy calls after_commit when a SAVEPOINT is released too (begin_nested(), as
        # every ledger entry does): the transaction is still open, and a worker handed the
        # job now would find no row and leave it to the sweep. Wait for the real commit.
        return
    ids = session.info.pop(PENDING_KEY, [])
    if not ids or not has_app_context():
        return
    if current_app.config["JOBS_INLINE"]:
        # SQL cannot run inside after_commit: run them when the request (or command) ends.
        g.setdefault("inline_job_ids", []).extend(ids)
        return
    for job_id in ids:
        push_to_queue(job_id)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def push_to_queue(job_id: int) -> bool:
    """Hand a staged job to RQ; False (and the sweeper retries) when Redis is unreachable."""
    from rq import Retry

    try:
        queue().enqueue(
            run_staged_job,
            job_id,
            job_id=f"staged-{job_id}",
            retry=Retry(max=5, interval=[5, 30, 60, 300, 900]),
        )
        return True
    except Exception:  # Redis down: the row stays staged for the sweeper
        log.warning("could not push job %s to the queue; the sweeper will retry", job_id)
        return False


def queue():
    from rq import Queue

    # A job push may wait longer than a tracked hit: it is the only copy outside the outbox row.
    connection = redis_client(timeout=2, connect_timeout=2)
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


INLINE_ROUNDS = 20  # a job staging jobs staging jobs…: past this many rounds, the sweep runs them


def run_inline_jobs() -> None:
    """Run the jobs committed during this request/command (embedded default), then the jobs
    those jobs committed (a transfer's job stages its webhook delivery), until none is left."""
    for _round in range(INLINE_ROUNDS):
        ids = g.pop("inline_job_ids", [])
        if not ids:
            return
        for job_id in ids:
            try:
                run_staged_job(job_id)
            except Exception:
                log.exception("inline job %s failed; it stays staged for retry", job_id)
    log.warning("inline jobs still staged after %d rounds; the jobs sweep runs them", INLINE_ROUNDS)


@in_app_context
def run_staged_job(job_id: int) -> None:
    """Run one staged job once; called by RQ workers and inline. Commits once."""
    staged = db.session.get(StagedJob, job_id)
    if staged is None:
        # Pushed before its transaction committed (or one that rolled back): said, not silent.
        log.warning(
            "staged job %s not found; if its transaction commits, the sweep runs it", job_id
        )
        return
    if staged.status == "done":
        return
    staged.attempts += 1
    kwargs = dict(staged.kwargs)
    request_id = kwargs.pop(REQUEST_ID_KEY, None)
    try:
        with job_context(job_id, staged.name, request_id):
            JOBS[staged.name](**kwargs)
        staged.status = "done"
        staged.done_at = utcnow()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        failed = db.session.get(StagedJob, job_id)
        failed.attempts += 1
        failed.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        raise


def sweep_staged_jobs(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Re-push (or run inline) staged jobs that never ran; returns how many."""
    cutoff = utcnow() - older_than
    ids = db.session.scalars(
        select(StagedJob.id).where(StagedJob.status == "staged", StagedJob.created_at < cutoff)
    ).all()
    for job_id in ids:
        if current_app.config["JOBS_INLINE"]:
            try:
                run_staged_job(job_id)
            except Exception:
                log.exception("swept job %s failed again", job_id)
        else:
            push_to_queue(job_id)
    return len(ids)


def init_app(app: Flask) -> None:
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_soft_rollback)

    @app.after_request
    def _run_inline(response):
        if app.config["JOBS_INLINE"]:
            run_inline_jobs()
        return response
