"""A real RQ worker whose work-horse is SIGKILLed after Stripe moved the money and before our
commit: the job re-runs (sweeper → queue → a new worker) to exactly one transfer."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.contracts.lifecycle import mark_submitted
from app.extensions import db
from app.jobs import StagedJob, sweep_staged_jobs
from app.ledger.checks import ledger_problems
from app.payments.approvals import approve_contract
from app.payments.emulator import Emulator
from app.payments.models import Payout, PayoutStatus
from tests.conftest import DATABASE_URL, REDIS_URL, FreshContextClient
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.money_support import fund, onboard

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]


def _worker(env: dict, *, failpoints: str = "") -> subprocess.CompletedProcess:
    rq = Path(sys.executable).with_name("rq")
    return subprocess.run(
        [
            str(rq),
            "worker",
            "--worker-class",
            "app.worker.AppWorker",
            "--burst",
            "--url",
            env["REDIS_URL"],
            env["RQ_QUEUE"],
        ],
        cwd=ROOT,
        env={**env, "FAILPOINTS": failpoints},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _transfers(state_file: Path, payout_id: int) -> list[dict]:
    """What the emulator's shared state (a SQLite file) holds, as another process sees it."""
    transfers = Emulator(state_file).events("transfer.created")
    return [
        e["data"]["object"]
        for e in transfers
        if e["data"]["object"].get("metadata", {}).get("payout_id") == str(payout_id)
    ]


def test_killed_work_horse_reruns_to_one_transfer(committing_app, tmp_path):
    state_file = tmp_path / "stripe_emulator.sqlite3"
    queue = f"crash-{os.getpid()}"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "RQ_QUEUE": queue,
        "STRIPE_EMULATOR_STATE": str(state_file),
        "UPLOAD_DIR": str(tmp_path),
    }
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        JOBS_INLINE=False,
        RQ_QUEUE=queue,
        STRIPE_EMULATOR_STATE=str(state_file),
        UPLOAD_DIR=str(tmp_path),
    )
    app.test_client_class = FreshContextClient
    emulator = app.extensions["stripe_emulator"]
    with app.app_context():
        from app.jobs import queue as rq_queue

        rq_queue().empty()
        brand, kol = make_user("brand"), make_kol(verified=True)
        contract = make_contract(make_bid(make_campaign(brand), kol))
        onboard(app, kol, emulator)
        fund(app, contract, brand, emulator)
        mark_submitted(contract_id=contract.id, by=kol.id)
        approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
        db.session.commit()  # the transfer job is pushed to Redis after this commit
        payout_id = db.session.scalar(select(Payout.id).where(Payout.contract_id == contract.id))

    crashed = _worker(env, failpoints="after_transfer_call")
    with app.app_context():
        payout = db.session.get(Payout, payout_id)
        assert payout.status == PayoutStatus.PROCESSING, crashed.stderr[-3000:]
        assert len(_transfers(state_file, payout_id)) == 1  # Stripe did move the money
        staged = db.session.scalar(select(StagedJob).where(StagedJob.status == "staged"))
        assert staged is not None  # not marked done: the horse died before the commit
        assert sweep_staged_jobs(older_than=timedelta(0)) >= 1  # back on the queue
        db.session.remove()

    finished = _worker(env)
    with app.app_context():
        payout = db.session.get(Payout, payout_id)
        assert payout.status == PayoutStatus.PAID, finished.stderr[-3000:]
        transfers = _transfers(state_file, payout_id)
        assert [t["id"] for t in transfers] == [payout.transfer_id]
        assert ledger_problems() == []
        print(f"killed horse: 1 transfer {payout.transfer_id}, payout paid after re-run")
        db.session.remove()
