"""Faults with real processes, on our own Redis (a redis-server on a free port in a temp dir,
never the shared 6379): Redis stopped while a money action stages its job and while tracking
hits arrive, then restarted; the RQ worker AND its work-horse SIGKILLed after Stripe moved the
money and before our commit. Ends with one transfer, the payout paid within a stated bound,
and every tracking hit stored."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.analytics.models import TrackingEvent
from app.extensions import db
from app.jobs import StagedJob, sweep_staged_jobs
from app.ledger.checks import ledger_problems
from app.notes import services as notes
from app.payments.models import Payout, PayoutStatus
from tests.conftest import DATABASE_URL, FreshContextClient
from tests.hardening.money.deals import parties, submitted
from tests.hardening.money.support import Figures, emulator_objects, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.soak]  # RQ's own re-queue waits ~75 s: make soak
ROOT = Path(__file__).resolve().parents[3]
# The bound, timed from the SIGKILL, with no sweeper running: RQ alone must re-queue the job.
# With `make worker`'s flags the dead horse's last heartbeat lapses 5 + 60 s after the job
# started (<= 65 s after the kill); a live worker notices at its next maintenance pass (every
# 15 s, but an idle worker first waits out its 20 s blocking dequeue: <= 20 s); the retry is
# scheduled 5 s later; the job runs in a second or two: <= 95 s. (In production the jobs sweep,
# every 30 s for rows staged over 30 s, usually re-pushes it first: <= ~35 s.)
RQ_REQUEUE_BOUND_S = 95


def makefile_worker_flags() -> list[str]:
    """The flags `make worker` passes to `rq worker`: the test runs exactly what ships."""
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"rq worker (.+?) \$\(RQ_QUEUES\)", makefile)
    assert found, "the Makefile's worker line changed; update makefile_worker_flags()"
    flags = found.group(1).replace('--url "$$url"', "").split()
    assert "--job-monitoring-interval" in flags and "--with-scheduler" in flags, flags
    return flags


class OwnRedis:
    def __init__(self, tmp: Path):
        self.port, self.dir, self.process = free_port(), tmp, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--save", "", "--appendonly", "yes"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        from redis import Redis

        for _ in range(100):
            try:
                Redis.from_url(self.url).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def _worker(env: dict, **kwargs) -> subprocess.Popen:
    rq = Path(sys.executable).with_name("rq")
    return subprocess.Popen(
        [str(rq), "worker", "--burst", "--url", env["REDIS_URL"], *makefile_worker_flags(),
         env["RQ_QUEUE"]],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs,
    )  # fmt: skip


def test_redis_down_then_worker_and_horse_killed_still_one_transfer(committing_app, tmp_path):
    figures = Figures("process faults")
    redis = OwnRedis(tmp_path)
    redis.start()
    state = tmp_path / "stripe_emulator.sqlite3"
    queue = f"faults-{os.getpid()}"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis.url,
        "RQ_QUEUE": queue,
        "STRIPE_EMULATOR_STATE": str(state),
        "UPLOAD_DIR": str(tmp_path),
    }
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        REDIS_URL=redis.url,
        JOBS_INLINE=False,
        RQ_QUEUE=queue,
        STRIPE_EMULATOR_STATE=str(state),
        UPLOAD_DIR=str(tmp_path),
        SERVER_NAME="localhost",
    )
    app.test_client_class = FreshContextClient
    emulator = app.extensions["stripe_emulator"]
    try:
        with app.app_context():
            brand, kol = parties(app, emulator)
            emulator.hold_webhooks(False)
            contract, note = submitted(app, emulator, brand, kol)
            drain = _worker(env)  # the fee-booking jobs staged by funding
            drain.communicate(timeout=120)
            redis.stop()  # Redis goes away
            figures.add("redis_stops")
            notes.approve_note(note_id=note.id, brand_id=brand.id)
            db.session.commit()  # the approval commits although the queue is unreachable
            payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
            assert payout.status == PayoutStatus.STAGED
            client = app.test_client()
            hits = 6
            for _ in range(hits):
                assert client.get(f"/go/{note.tracking_code}").status_code == 302
            stored = db.session.scalar(select(func.count()).select_from(TrackingEvent))
            assert stored == hits  # tracking fell back to the database: nothing lost
            figures.add("tracking_hits_while_down", hits)
            redis.start()  # Redis is back: the sweeper pushes the waiting job
            assert sweep_staged_jobs(older_than=timedelta(0)) >= 1
            payout_id = payout.id
            db.session.remove()

        crashed = _worker({**env, "FAILPOINTS": "after_transfer_call+parent"})
        output, _ = crashed.communicate(timeout=120)
        killed_at = time.monotonic()
        assert crashed.returncode == -9, output[-2000:]  # the worker itself was SIGKILLed
        figures.add("sigkilled_worker_and_horse")
        with app.app_context():
            assert len(emulator_objects(emulator, "transfer", payout_id=payout_id)) == 1
            assert db.session.get(Payout, payout_id).status == PayoutStatus.PROCESSING
            db.session.remove()
        # RQ's own recovery, no sweeper: a live worker started as `make worker` starts it.
        rq = Path(sys.executable).with_name("rq")
        live = subprocess.Popen(
            [str(rq), "worker", "--url", redis.url, *makefile_worker_flags(), queue],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            while True:
                with app.app_context():
                    paid = db.session.get(Payout, payout_id).status == PayoutStatus.PAID
                    db.session.remove()
                settled = time.monotonic() - killed_at
                if paid:
                    break
                assert live.poll() is None, live.communicate()[0][-2000:]
                assert settled < RQ_REQUEUE_BOUND_S, f"not re-queued by RQ in {settled:.0f} s"
                time.sleep(1)
        finally:
            live.terminate()
            live_output = live.communicate(timeout=30)[0]
        # The re-queued job ran on the live worker (no sweeper ran since the kill).
        assert "Job OK (staged-" in live_output, live_output[-2000:]
        figures.add("rq_requeues")
        with app.app_context():
            payout = db.session.get(Payout, payout_id)
            transfers = emulator_objects(emulator, "transfer", payout_id=payout_id)
            assert [t["id"] for t in transfers] == [payout.transfer_id]
            assert (
                db.session.scalar(
                    select(func.count()).select_from(StagedJob).where(StagedJob.status == "staged")
                )
                == 0
            )
            assert ledger_problems() == []
            figures.add("transfers", len(transfers))
            figures.add("settled_after_kill_s", round(settled))
            figures.add("bound_s", RQ_REQUEUE_BOUND_S)
            db.session.remove()
    finally:
        if redis.process and redis.process.poll() is None:
            redis.stop()
        figures.show()
