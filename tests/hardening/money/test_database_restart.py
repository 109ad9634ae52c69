"""The database restarted under the app, on a PostgreSQL of our own (initdb + pg_ctl in a temp
dir on a free port; never the shared server): between requests (pooled connections now dead)
and in the middle of a Stripe webhook. Each ends in a clean 503 (JSON under /api/v1, no
traceback, Retry-After), nothing half-written, and the retry succeeding. About 20 s."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from glob import glob
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.ledger.checks import ledger_problems
from app.ledger.models import JournalEntry
from app.payments.emulator import sign_payload
from app.payments.models import Funding, WebhookEvent
from tests.conftest import FreshContextClient
from tests.factories import make_api_key
from tests.hardening.money.deals import new_deal, parties
from tests.hardening.money.support import Figures, free_port

pytestmark = pytest.mark.postgres
BIN = (
    Path(sorted(glob("/usr/lib/postgresql/*/bin"))[-1])
    if glob("/usr/lib/postgresql/*/bin")
    else None
)


class OwnPostgres:
    """A throw-away cluster run as the postgres user when we are root (initdb refuses root)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="kol-own-pg-"))
        self.data, self.port = self.dir / "data", free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as c:
            c.execute("CREATE DATABASE app")

    def url(self, name: str = "app") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "30", "-o", options, *extra)

    def start(self) -> None:
        self._ctl("start", "-l", str(self.dir / "log"))

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self.stop()  # fast: open sessions are terminated, their transactions rolled back
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _clean_503(response, *, api: bool) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:500]
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
    assert response.headers.get("Retry-After")
    if api:
        assert response.is_json and response.get_json()["error"]["code"] == "unavailable"


def test_database_restart_gives_clean_503_and_the_retry_succeeds(app, monkeypatch):
    assert BIN is not None, "PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin)"
    figures = Figures("database restart")
    pg = OwnPostgres()
    started = time.monotonic()
    try:
        pg.init()
        own = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=pg.url(),
            REDIS_URL=None,
            UPLOAD_DIR=str(pg.dir / "uploads"),
            SERVER_NAME="localhost",
            STRIPE_EMULATOR_STATE=None,
        )
        own.test_client_class = FreshContextClient
        emulator = own.extensions["stripe_emulator"]
        emulator.reset(keep_endpoints=True)
        with own.app_context():
            from flask_migrate import upgrade

            upgrade()
            brand, kol = parties(own, emulator, onboarded=False)
            contract = new_deal(brand, kol).contract
            contract_id, key = contract.id, make_api_key(brand)
            db.session.remove()
        api = own.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        money = f"/api/v1/contracts/{contract_id}/money"
        assert api.get(money, headers=headers).status_code == 200  # the pool holds a connection

        # 1. Restarted between requests: the pooled connection is dead; pre-ping replaces it.
        pg.restart()
        figures.add("restarts")
        assert api.get(money, headers=headers).status_code == 200

        # 2. Down: reads and money writes answer a clean 503; nothing is written.
        pg.stop()
        figures.add("stops")
        _clean_503(api.get(money, headers=headers), api=True)
        _clean_503(api.post(f"/api/v1/contracts/{contract_id}/fund", headers=headers), api=True)
        figures.add("clean_503", 2)
        pg.start()
        funded = api.post(f"/api/v1/contracts/{contract_id}/fund", headers=headers)
        assert funded.status_code in (200, 201), funded.get_data(as_text=True)[:500]
        figures.add("retries_ok")
        with own.app_context():
            fundings = db.session.scalars(
                select(Funding).where(Funding.contract_id == contract_id)
            ).all()
            assert len(fundings) == 1  # the refused attempt left no funding behind
            session_id = fundings[0].checkout_session_id
            db.session.remove()

        # 3. Restarted while the webhook booking the payment sleeps before its commit.
        emulator.hold_webhooks(True)
        emulator.pay_checkout_session(session_id)
        events = emulator.webhooks.take_held()
        completed = next(e for e in events if e["type"] == "checkout.session.completed")
        body = json.dumps(completed).encode()
        secret = own.config["STRIPE_WEBHOOK_SECRET"]
        monkeypatch.setenv("FAILPOINTS", "webhook_before_commit:sleep=3")
        restarter = threading.Timer(0.5, pg.restart)
        restarter.start()
        caught = own.test_client().post(
            "/webhooks/stripe", data=body, headers={"Stripe-Signature": sign_payload(body, secret)}
        )
        restarter.join()
        figures.add("restarts")
        monkeypatch.delenv("FAILPOINTS")
        _clean_503(caught, api=False)
        figures.add("clean_503")
        with own.app_context():  # nothing of the interrupted request was kept
            assert db.session.get(WebhookEvent, completed["id"]) is None
            assert db.session.get(Funding, fundings[0].id).status != "paid"
            entries = select(func.count()).select_from(JournalEntry)
            assert db.session.scalar(entries.where(JournalEntry.kind == "funding")) == 0
            db.session.remove()
        for event in events:  # Stripe retries the failed delivery (and sends the other event)
            body = json.dumps(event).encode()
            retried = own.test_client().post(
                "/webhooks/stripe",
                data=body,
                headers={"Stripe-Signature": sign_payload(body, secret)},
            )
            assert retried.status_code == 200, retried.get_data(as_text=True)[:500]
        figures.add("retries_ok")
        with own.app_context():
            assert db.session.get(Funding, fundings[0].id).status == "paid"
            entries = select(func.count()).select_from(JournalEntry)
            assert db.session.scalar(entries.where(JournalEntry.kind == "funding")) == 1
            assert ledger_problems() == []
            db.session.remove()
        with own.app_context():
            db.engine.dispose()
    finally:
        pg.destroy()
        figures.add("seconds", round(time.monotonic() - started))
        figures.show()
