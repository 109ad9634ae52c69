"""The production setup on 127.0.0.1: gunicorn (gunicorn.conf.py), an RQ worker (the flags of
`make worker`) and the tracking writer (`flask analytics drain --loop`), with our own
PostgreSQL database and Redis db number. Everything started here is stopped here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LOGS = ROOT / "instance" / "bench-logs"


class Stack:
    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port = env, port
        self.procs: dict[str, subprocess.Popen] = {}
        LOGS.mkdir(parents=True, exist_ok=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, argv: list[str], extra: dict[str, str] | None = None) -> None:
        log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own executables
            argv,
            cwd=ROOT,
            env={**self.env, **(extra or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )

    def start(self) -> None:
        config = ROOT / "gunicorn.conf.py"
        self._start(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", str(config), "wsgi:app"],
            {"BIND": f"127.0.0.1:{self.port}", "LOG_LEVEL": "warning"},
        )
        redis_url = self.env["REDIS_URL"]
        self._start(
            "worker",
            [str(BIN / "rq"), "worker", "--worker-class", "app.worker.AppWorker",
             "--url", redis_url, "--worker-ttl", "35",
             "--job-monitoring-interval", "5", "--with-scheduler", "default"],
        )  # fmt: skip
        self._start(
            "writer",
            [str(BIN / "flask"), "--app", "wsgi.py", "analytics", "drain", "--loop",
             "--interval", "0.5"],
        )  # fmt: skip
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {LOGS / (name + '.log')}")
            try:
                with urllib.request.urlopen(self.base + "/bench/hello", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /bench/hello")

    def rss_mb(self, name: str) -> float:
        """Resident memory of a process and its children (an RQ work-horse, gunicorn workers)."""
        proc = self.procs[name]
        pids = [proc.pid]
        try:
            out = subprocess.run(  # noqa: S603
                ["/usr/bin/pgrep", "-g", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
            pids = sorted({proc.pid, *map(int, out)})
        except (OSError, ValueError):
            pass
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
