"""The app served for the browser journeys: a subprocess on 127.0.0.1 on a free port, on a
database of its own (PostgreSQL: a database created and dropped here; SQLite: a temp file) so
the per-test-transaction suite is never disturbed, migrated by Alembic, payments on the built-in
Stripe emulator; one per test session, shared by the journeys. With REDIS_URL set, jobs go
through RQ to `make worker`'s worker (app.worker.AppWorker) and tracking hits through the Redis
stream to `flask analytics drain --loop`, on a redis-server of its own. server.log says how
long starting, stopping and dropping the database took.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "journey-Pass-2026"
# Made once per session by prepare.py: the staff (command-line only accounts; the first of a
# role is the one journeys share) and the verified KOL of each journey that is not about
# verification (name, e-mail, handle). The Chinese journey's admin is its own: the language an
# account switches to stays with the account.
STAFF = (
    ("admin", "admin@journeys.example.com"),
    ("finance", "finance@journeys.example.com"),
    ("admin", "admin-zh@journeys.example.com"),
)
READY_KOLS = {
    "chinese": ("Mei Cha", "mei@zh.example.com", "meicha"),
    "money_paths": ("Max Brews", "max@money.example.com", "maxbrews"),
    "outcome_deal": ("Ola Sales", "ola@outcome.example.com", "olasales"),
    "invoice_and_credit_note": ("Ivy Ledger", "ivy@paperwork.example.com", "ivyledger"),
    "yearly_statement": ("Tao Sums", "tao@statement.example.com", "taosums"),
    "brand_webhooks": ("Wen Hook", "wen@webhooks.example.com", "wenhook"),
}
# The invoice journey's brand (with billing details), its campaign and the bid its KOL made on
# it at this price (minor units), made by prepare.py: the journey starts where the brand accepts.
INVOICE_DEAL = ("brand@paperwork.example.com", "Ledger Foods", "Ledger Foods tasting", 40_000)
# The shortlist journey's KOLs, found in Find KOLs by the name they share: five go on the
# shortlist, the sixth is the one not invited.
SHORTLIST_KOLS = tuple(
    (f"Petal {name}", f"petal.{name.lower()}@shortlist.example.com", f"petal{name.lower()}")
    for name in ("Ana", "Bea", "Cai", "Dee", "Eve", "Fay")
)
# The production worker (`make worker`): the app built once, jobs in forked work-horses.
WORKER = ("rq", "worker", "--worker-class", "app.worker.AppWorker")


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(check, what: str, process: subprocess.Popen | None, log: Path, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{_tail(log)}")
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class Database:
    """A database of the journeys' own next to the suite's: created here, dropped at the end."""

    def __init__(self, suite_url: str | None, tmp: Path) -> None:
        self.admin_url = None
        if suite_url and suite_url.startswith("postgresql"):
            url = make_url(suite_url)
            self.name = f"{url.database or 'kol'}_browser"
            self.admin_url = url.set(database="postgres")
            self.url = url.set(database=self.name).render_as_string(hide_password=False)
        elif suite_url and not suite_url.startswith("sqlite"):
            raise RuntimeError(f"browser journeys support PostgreSQL and SQLite, not {suite_url}")
        else:
            self.url = f"sqlite:///{tmp / 'journeys.sqlite3'}"

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def create(self) -> None:
        if self.admin_url is not None:
            self.drop()
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.admin_url is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Server:
    """demo=True: `flask seed`'s demo data on SQLite, jobs inline, no Redis (the layout crawl
    of tests/browser/test_phone.py reads pages; the database under them does not matter)."""

    def __init__(self, tmp: Path, logs: Path, demo: bool = False) -> None:
        self.tmp = tmp
        self.logs = logs
        self.demo = demo
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database = Database(None if demo else os.environ.get("DATABASE_URL"), tmp)
        self.redis_url: str | None = None
        self.redis_process: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []
        self.env: dict[str, str] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        started = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        self.database.create()
        if os.environ.get("REDIS_URL") and not self.demo:
            self._start_redis()
        self.env = self._environment()
        # The processes start side by side (each spends seconds importing the app); only the
        # tracking writer, which reads the tables at once, waits for the migrations.
        prepare_argv = [sys.executable, "-m", "tests.browser.prepare"]
        prepare = self._spawn("prepare", [*prepare_argv, *(["--demo"] if self.demo else [])])
        web = self._spawn(
            "web",
            [
                *(str(BIN / "flask"), "run", "--host", "127.0.0.1", "--port", str(self.port)),
                *("--no-reload", "--no-debugger", "--with-threads"),
            ],
        )
        if self.redis_url:
            self._spawn(
                "worker",
                [
                    str(BIN / WORKER[0]),
                    *WORKER[1:],
                    *("--url", self.redis_url, "--worker-ttl", "35"),
                    *("--job-monitoring-interval", "5", "--maintenance-interval", "15"),
                    *("--with-scheduler", "default"),
                ],
            )
        log = self.logs / "prepare.log"
        _wait_until(lambda: prepare.poll() is not None, "preparing", None, log, timeout=180)
        if prepare.returncode != 0:
            raise RuntimeError(f"preparing the database failed:\n{_tail(log)}")
        self.processes.remove(prepare)
        if self.redis_url:
            drain = ("analytics", "drain", "--loop", "--interval", "0.5")
            self._spawn("drain", [str(BIN / "flask"), *drain])
        _wait_until(self._healthy, "the app server", web, self.logs / "web.log", timeout=120)
        (self.logs / "server.log").write_text(f"started in {time.monotonic() - started:.1f} s\n")

    def stop(self) -> None:
        # The app's processes first, all at once; redis-server (started first) last: a worker
        # whose Redis has gone spends its warm shutdown retrying to reach it.
        started = time.monotonic()
        redis = [p for p in self.processes if p is self.redis_process]
        others = [p for p in self.processes if p is not self.redis_process]
        for group in (others, redis):
            for process in group:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in group:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
        stopped = time.monotonic()
        self.database.drop()
        with open(self.logs / "server.log", "a") as log:
            log.write(
                f"processes stopped in {stopped - started:.1f} s, "
                f"database dropped in {time.monotonic() - stopped:.1f} s\n"
            )

    # -- helpers -----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def _healthy(self) -> bool:
        with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:  # noqa: S310
            return response.status == 200

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "FLASK_"))}
        instance = self.tmp / "instance"
        env.update(
            FLASK_APP="wsgi.py",
            APP_ENV="development",
            DATABASE_URL=self.database.url,
            INSTANCE_PATH=str(instance),
            UPLOAD_DIR=str(instance / "uploads"),
            STRIPE_EMULATOR_STATE=str(instance / "stripe_emulator.sqlite3"),
            # Every actor of every journey signs in from 127.0.0.1 within two minutes.
            LOGIN_LIMIT_IP="1000 per minute",
            LOGIN_LIMIT_ACCOUNT="100 per minute",
            REGISTER_LIMIT_IP="1000 per hour",
            PYTHONUNBUFFERED="1",
        )
        env.pop("JOBS_INLINE", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        else:
            env.pop("REDIS_URL", None)
        return env

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes.append(process)
        return process

    def _start_redis(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError("REDIS_URL is set but redis-server is not installed")
        port = free_port()
        data = self.tmp / "redis"
        data.mkdir()
        self.env = dict(os.environ)
        process = self._spawn(
            "redis",
            [
                *(redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(data)),
            ],
        )
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.redis_process = process

        def ping() -> bool:
            from redis import Redis

            return bool(Redis.from_url(self.redis_url, socket_connect_timeout=1).ping())

        _wait_until(ping, "redis-server", process, self.logs / "redis.log")


class Shop:
    """The brand's own shop, a separate site on 127.0.0.1 (no internet here): the campaign's
    product link leads to it through /go/<code>."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    b"<!doctype html><html lang=en><meta charset=utf-8><title>Glow Lab shop</title>"
                    b"<link rel=icon href='data:,'><h1>Glow Serum</h1><p>$39.00</p>"
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class WebhookReceiver:
    """A brand's webhook receiver, a separate server on 127.0.0.1: it checks each request's
    Standard Webhooks signature with the tests' own verifier (tests/webhooks/receiver.py, which
    shares no code with the app) and keeps what came. ``stop()`` takes it down (connections
    are refused); ``start()`` brings it back on the same port."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict] = []
        self.port = 0
        self.httpd = None

    def start(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        from tests.webhooks.receiver import verify

        receiver = self

        class Endpoint(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(
                    {"id": headers.get("webhook-id"), "body": body,
                     "valid": verify(receiver.secret, headers, body),
                     "event": json.loads(body)}
                )  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Endpoint)
        self.port = self.httpd.server_address[1]
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kol"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def types(self) -> list[str]:
        return [r["event"]["type"] for r in self.received]
