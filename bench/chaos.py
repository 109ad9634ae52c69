"""`make chaos`: a bounded chaos run against the production setup, on throw-away services.

Starts its own PostgreSQL cluster and redis-server (never the shared ones), Stripe's API from
the built-in emulator over HTTP, gunicorn (gunicorn.conf.py, 3 workers), an RQ worker
(`make worker`'s flags) and the scheduler (`make scheduler`), migrates and seeds; then for
CHAOS_SECONDS (default 90) drives signed-in browsing, API reads, tracking hits and deals
(fund through Checkout, approve -> transfer, cancel -> refund) while it SIGKILLs gunicorn
workers, restarts PostgreSQL, SIGKILLs the RQ worker and its work-horse, and stops Redis. Then
it lets the system settle (at most CHAOS_SETTLE_SECONDS, 150) and reports: answers by status
(clean 503s with Retry-After apart from any other 5xx), money effects per contract (exactly
one each), tracking events lost, `flask ledger check`. Exit 1 on a wrong money effect, an
unclean 5xx, a lost tracking event beyond the documented window or a ledger problem.
Writes bench/results/chaos-<date>.md. Knobs: CHAOS_SECONDS, CHAOS_DEALS (24),
CHAOS_SETTLE_SECONDS, CHAOS_WEB_WORKERS (3). Runs only on 127.0.0.1; cleans up everything.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import chaos_deals, chaos_report  # noqa: E402
from bench.chaos_stack import Stack  # noqa: E402
from bench.chaos_traffic import Client, Recorder, api_reads, browse, tracking  # noqa: E402

SECONDS = float(os.environ.get("CHAOS_SECONDS", "90"))
DEALS = int(os.environ.get("CHAOS_DEALS", "24"))
SETTLE = float(os.environ.get("CHAOS_SETTLE_SECONDS", "150"))
DEAL_THREADS = 3
PG_DOWN, REDIS_DOWN, WORKER_DOWN = 6.0, 8.0, 3.0

PAGES = {
    "brand": ["/", "/contracts", "/campaigns/mine", "/analytics", "/settings/api-keys",
              "/explore", "/kols", "/settings/"],
    "kol": ["/", "/campaigns", "/contracts", "/analytics/media-kit", "/payouts", "/explore"],
    "finance": ["/finance", "/finance/ledger", "/finance/payouts", "/finance/refunds",
                "/finance/reconciliation"],
}  # fmt: skip


class Run:
    def __init__(self):
        self.stack = Stack()
        self.recorder = Recorder()
        self.events: list[tuple[float, str]] = []  # (seconds since start, what happened)
        self.kills: list[float] = []  # monotonic times of gunicorn worker SIGKILLs
        self.down: list[tuple[float, float, str]] = []  # dependency down windows
        self.unexpected_exits: list[str] = []
        self.started = 0.0
        self.stop_supervising = threading.Event()

    def log(self, what: str) -> None:
        at = time.monotonic() - self.started if self.started else 0.0
        self.events.append((round(at, 1), what))
        print(f"  [{at:6.1f} s] {what}", flush=True)

    def deliver(self, path: str):
        """Stripe's webhook POSTs to gunicorn, recorded like every other answer."""
        client = Client(self.stack.web_port, self.recorder, "stripe webhook")

        def send(payload: bytes, headers: dict) -> int:
            answer = client.request("POST", path, raw=payload, headers=headers)
            if answer.status == 0:
                raise OSError(answer.body)
            return answer.status

        send.__qualname__ = f"chaos-webhook-{path}"
        return send

    # -- faults ---------------------------------------------------------------------------
    def faults(self) -> None:
        plan = [
            (0.10, "SIGKILL a gunicorn worker", self.kill_web),
            (0.20, f"PostgreSQL stopped for {PG_DOWN:.0f} s", lambda: self.pg_down(PG_DOWN)),
            (0.38, "SIGKILL the RQ worker and its work-horse", self.kill_worker),
            (0.50, f"Redis stopped for {REDIS_DOWN:.0f} s", self.redis_down),
            (0.70, "SIGKILL a gunicorn worker", self.kill_web),
            (0.80, "PostgreSQL restarted", lambda: self.pg_down(0)),
        ]
        for share, name, act in plan:
            wait = self.started + share * SECONDS - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.log(name)
            act()

    def kill_web(self) -> None:
        self.kills.append(time.monotonic())
        self.log(f"  gunicorn worker {self.stack.kill_gunicorn_worker()} killed")

    def pg_down(self, seconds: float) -> None:
        began = time.monotonic()
        self.stack.pg.stop()
        time.sleep(seconds)
        self.stack.pg.start()
        self.down.append((began, time.monotonic(), "postgresql"))
        self.log("  PostgreSQL up again")

    def kill_worker(self) -> None:
        self.log(f"  killed pids {self.stack.kill_worker()}")
        time.sleep(WORKER_DOWN)
        self.stack.restart("worker")
        self.log("  RQ worker started again")

    def redis_down(self) -> None:
        began = time.monotonic()
        self.stack.redis.stop()
        time.sleep(REDIS_DOWN)
        self.stack.redis.start()
        self.down.append((began, time.monotonic(), "redis"))
        self.log("  Redis up again")

    def supervise(self) -> None:
        """What systemd would do: restart the worker or scheduler if one ends on its own
        (the run's own SIGKILLs excepted); each such exit is reported."""
        while not self.stop_supervising.wait(1):
            for name, code in self.stack.exited().items():
                if name == "worker" and code == -signal.SIGKILL:
                    continue  # ours; kill_worker restarts it
                if name == "gunicorn":
                    self.unexpected_exits.append(f"gunicorn master exited ({code})")
                    self.stack.restart(name)
                    continue
                self.unexpected_exits.append(f"{name} exited on its own (code {code})")
                self.log(f"{name} exited on its own (code {code}); restarted")
                self.stack.restart(name)

    def stripe_retries(self, until: float) -> None:
        """Stripe retries failed webhook deliveries (hours apart; here every 3 s)."""
        emulator = self.stack.emulator_server.emulator
        while time.monotonic() < until and not self.stop_supervising.is_set():
            time.sleep(3)
            try:
                emulator.retry_failed_deliveries()
            except Exception as error:  # the next round tries again
                print(f"  stripe retry round failed: {error!r}", flush=True)

    # -- the run --------------------------------------------------------------------------
    def traffic(self, setup: dict, until: float) -> list[threading.Thread]:
        port, rec = self.stack.web_port, self.recorder
        threads = []
        for role, email, password in setup["browsers"]:
            client = Client(port, rec, f"signed-in {role}")
            client.credentials = (email, password)  # type: ignore[attr-defined]
            if not client.sign_in(email, password, time.monotonic() + 30):
                raise RuntimeError(f"could not sign in as {email}")
            threads.append(threading.Thread(target=browse, args=(client, setup["pages"][role],
                                                                 until, 0.05)))  # fmt: skip
        for key in (setup["brand_key"], setup["kol_key"]):
            client = Client(port, rec, "api", {"Authorization": f"Bearer {key}"})
            threads.append(threading.Thread(target=api_reads,
                                             args=(client, setup["api_paths"], until, 0.05)))  # fmt: skip
        for _ in range(2):
            client = Client(port, rec, "tracking")
            threads.append(threading.Thread(target=tracking,
                                            args=(client, setup["notes"], until, 0.01)))  # fmt: skip
        deals = list(setup["deals"])
        lock = threading.Lock()
        spacing = 0.75 * SECONDS / max(len(deals), 1)

        def deal_worker() -> None:
            web = Client(port, rec, "signed-in brand (money)")
            web.sign_in(setup["brand_email"], setup["password"], time.monotonic() + 60)
            brand = Client(port, rec, "api (money)",
                           {"Authorization": f"Bearer {setup['brand_key']}"})  # fmt: skip
            while True:
                with lock:
                    if not deals:
                        return
                    n = len(setup["deals"]) - len(deals)
                    deal = deals.pop(0)
                wait = self.started + n * spacing - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                kol = Client(port, rec, "api (money)",
                             {"Authorization": f"Bearer {deal.kol_key}"})  # fmt: skip
                try:
                    chaos_deals.drive(deal, brand, kol, web,
                                      self.stack.emulator_server.emulator, limit=90)  # fmt: skip
                except Exception as error:
                    deal.failed = f"{type(error).__name__}: {error}"

        threads += [threading.Thread(target=deal_worker) for _ in range(DEAL_THREADS)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        return threads

    def main(self) -> int:
        print(f"chaos: {SECONDS:.0f} s, {DEALS} deals; own PostgreSQL, Redis, Stripe emulator",
              flush=True)  # fmt: skip
        # Before anything imports config.py (read once, at import): this run's settings only.
        os.environ.update(self.stack.env())
        self.stack.prepare(self.deliver)
        from app import create_app

        app = create_app()
        emulator = self.stack.emulator_server.emulator
        self.stack.start()
        setup = chaos_deals.build(app, emulator, DEALS)
        setup |= chaos_report.fixtures(app, self.stack, PAGES)
        before = chaos_report.stored_events(app, setup["note_ids"])
        print(f"  stack up on {self.stack.base}: gunicorn workers "
              f"{self.stack.gunicorn_workers()}", flush=True)  # fmt: skip
        self.started = time.monotonic()
        until = self.started + SECONDS
        threading.Thread(target=self.supervise, daemon=True).start()
        threading.Thread(target=self.stripe_retries, args=(until + SETTLE,), daemon=True).start()
        threads = self.traffic(setup, until)
        fault_thread = threading.Thread(target=self.faults, daemon=True)
        fault_thread.start()
        fault_thread.join(SECONDS + 60)
        for thread in threads:
            thread.join(max(0.0, until + SETTLE - time.monotonic()))
        self.log("traffic stopped; settling")
        settled = chaos_report.settle(app, emulator, setup, before, self.recorder,
                                      until + SETTLE)  # fmt: skip
        self.log("settled" if settled["done"] else "settle time ran out")
        self.stop_supervising.set()
        ledger = self.stack.run_flask(["ledger", "check"], self.stack.env())
        report = chaos_report.Report(self, setup, settled, ledger, SECONDS)
        text = report.render()
        path = report.write(text)
        print(text)
        print(f"written to {path.relative_to(ROOT)}")
        return 0 if report.ok else 1


def main() -> int:
    run = Run()

    def stop(signum, _frame):  # Ctrl-C or a TERM: clean up like any failure
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        return run.main()
    finally:
        run.stop_supervising.set()
        print("cleaning up (processes, PostgreSQL, Redis, temp dirs) …", flush=True)
        run.stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
