"""The RQ worker of `make worker`: `rq worker --worker-class app.worker.AppWorker ...`.

A plain `rq worker` knows nothing of the app, so every job (app/jobs.py's ``run_staged_job``,
app/cron.py's periodic jobs) built the whole Flask app again in its freshly forked work-horse:
seconds per job. This worker builds the app once, in the worker process, before it forks; each
work-horse inherits it, drops the database connections it inherited (a socket must never be
shared by two processes) and runs its job inside an app context. Jobs still run in forked
work-horses, so a job that hangs or is SIGKILLed never takes the worker down with it.
"""

from __future__ import annotations

from flask import Flask
from rq.worker import Worker

from app.context import new_app
from app.extensions import db


class AppWorker(Worker):
    """An RQ worker whose work-horses run their jobs in an app context built once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.flask_app: Flask = new_app()

    def main_work_horse(self, job, queue) -> None:
        with self.flask_app.app_context():
            # Forget (without closing: they are the parent's) pooled connections copied by fork.
            for engine in db.engines.values():
                engine.dispose(close=False)
        super().main_work_horse(job, queue)

    def perform_job(self, job, queue, execution) -> bool:
        with self.flask_app.app_context():
            return super().perform_job(job, queue, execution)
