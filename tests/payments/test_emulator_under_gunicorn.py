"""The app as `make serve` runs it without Stripe keys: gunicorn, several worker processes, the
SQLite app database and the built-in Stripe emulator sharing its state file. A brand paying the
same Checkout Session on the hosted page 32 times at once gets one payment, and no request
ends in a 5xx or a dropped connection (before the shared state: 15-17 per run)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.checks import ledger_problems
from app.ledger.models import JournalEntry
from app.payments.emulator import Emulator
from tests.conftest import FreshContextClient, login, post_form
from tests.factories import PASSWORD, make_bid, make_campaign, make_contract, make_kol, make_user

pytestmark = pytest.mark.once  # its own SQLite database whatever the suite runs on
ROOT = Path(__file__).resolve().parents[2]
PAYERS = 32
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _contract_with_a_checkout_session(tmp_path: Path) -> tuple[int, str]:
    """A migrated app database with a contract whose brand clicked Fund (its session made
    through the emulator's shared state); in this process, as `flask db upgrade` would."""
    from flask_migrate import upgrade

    own = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'kol.sqlite3'}",
        STRIPE_EMULATOR_STATE=str(tmp_path / "stripe_emulator.sqlite3"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SERVER_NAME="localhost",
    )
    own.test_client_class = FreshContextClient
    with own.app_context():
        upgrade()
        brand, kol = make_user("brand"), make_kol(verified=True)
        contract_id = make_contract(make_bid(make_campaign(brand), kol)).id
        email = brand.email
        db.session.remove()  # SQLite: no transaction of ours stays open beside the requests
        browser = own.test_client()
        login(browser, email, PASSWORD)
        funded = post_form(browser, f"/contracts/{contract_id}/fund", page="/")
        assert funded.status_code == 303, funded.get_data(as_text=True)[:500]
        session_id = re.search(r"/checkout/(cs_\w+)", funded.headers["Location"]).group(1)
    return contract_id, session_id


def _serve(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "FLASK_"))}
    env.pop("REDIS_URL", None)  # jobs inline, as `make run`
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp_path / 'kol.sqlite3'}",
        INSTANCE_PATH=str(tmp_path),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        STRIPE_EMULATOR_STATE=str(tmp_path / "stripe_emulator.sqlite3"),
        FLASK_SKIP_DOTENV="1",
        WEB_CONCURRENCY=str(WORKERS),
        BIND=f"127.0.0.1:{port}",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
    )
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_until_serving(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


def _pay_at_once(port: int, session_id: str) -> Counter:
    """PAYERS browsers submit the card form at the same moment; what each one got."""
    start = threading.Barrier(PAYERS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def pay() -> None:
        try:
            start.wait(30)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST",
                f"/emulator/checkout/{session_id}",
                body="card=4242+4242+4242+4242&email=brand%40example.com",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            page = response.read().decode()
            outcome = str(response.status)
            if response.status == 200 and "already paid" in page:
                outcome = "200 already paid"
        except Exception as error:  # a reset or refused connection is what this test is for
            outcome = f"{type(error).__name__}: {error}"
        with lock:
            outcomes[outcome] += 1

    payers = [threading.Thread(target=pay) for _ in range(PAYERS)]
    for payer in payers:
        payer.start()
    for payer in payers:
        payer.join(60)
    return outcomes


def test_paying_one_checkout_session_32_times_at_once_pays_once(tmp_path):
    contract_id, session_id = _contract_with_a_checkout_session(tmp_path)
    port = _free_port()
    server = _serve(tmp_path, port)
    try:
        _wait_until_serving(server, port)
        outcomes = _pay_at_once(port, session_id)
    finally:
        server.terminate()
        log = server.communicate(timeout=40)[0].decode(errors="replace")

    assert outcomes == {"303": 1, "200 already paid": PAYERS - 1}, (outcomes, log[-3000:])
    emulator = Emulator(tmp_path / "stripe_emulator.sqlite3")
    assert len(emulator.events("charge.succeeded")) == 1
    assert emulator.owed_deliveries() == []  # every webhook reached the app the first time
    own = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'kol.sqlite3'}")
    with own.app_context():
        assert db.session.get(Contract, contract_id).status == ContractStatus.FUNDED
        fundings = select(func.count()).where(
            JournalEntry.kind == "funding", JournalEntry.contract_id == contract_id
        )
        assert db.session.scalar(fundings) == 1
        assert ledger_problems() == []
        db.session.remove()
