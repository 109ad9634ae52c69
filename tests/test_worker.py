"""`make worker`'s RQ worker (app.worker.AppWorker): the app is built once, in the worker, and
every job still runs in a forked work-horse, inside that app's context."""

from __future__ import annotations

import os

import pytest
from flask import current_app
from redis import Redis
from rq import Queue

from app.worker import AppWorker
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis


def where_it_ran() -> list[int]:
    """The job: the process it ran in and the app whose context it had."""
    return [os.getpid(), id(current_app._get_current_object())]


def test_jobs_run_in_forked_horses_on_the_app_built_once():
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(f"app-worker-{os.getpid()}", connection=connection)
    try:
        jobs = [queue.enqueue(where_it_ran) for _ in range(2)]
        worker = AppWorker([queue], connection=connection)
        worker.work(burst=True)
        results = [job.return_value(refresh=True) for job in jobs]
        assert all(results), [job.get_status() for job in jobs]
        pids = {pid for pid, _app in results}
        assert os.getpid() not in pids and len(pids) == 2  # a fresh work-horse per job
        assert {app for _pid, app in results} == {id(worker.flask_app)}  # no app per job
    finally:
        queue.delete(delete_jobs=True)
