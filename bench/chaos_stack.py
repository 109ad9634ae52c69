"""`make chaos`'s own production setup on 127.0.0.1, every piece of it thrown away at the end:
a PostgreSQL cluster (initdb + pg_ctl in a temp dir), a redis-server (AOF on, no RDB
snapshots, as docs/operations.md advises), Stripe's API served over HTTP by the built-in
emulator (production settings refuse the in-process one), gunicorn (gunicorn.conf.py), an RQ
worker with `make worker`'s flags and the scheduler of `make scheduler`. Nothing here touches
the shared PostgreSQL (5432) or Redis (6379): their ports are chosen free at start."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port(preferred: int = 0) -> int:
    """``preferred`` when nothing listens there, else any free port (always 127.0.0.1)."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


def makefile_worker_flags() -> list[str]:
    """The flags `make worker` passes to `rq worker`: the run uses exactly what ships."""
    found = re.search(r"rq worker (.+?) \$\(RQ_QUEUES\)", (ROOT / "Makefile").read_text())
    if not found:
        raise RuntimeError("the Makefile's worker line changed; update bench/chaos_stack.py")
    return found.group(1).replace('--url "$$url"', "").split()


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (an RQ work-horse runs in a process group of its own,
    so killing the worker's group would leave it running)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class OwnPostgres:
    """A throw-away cluster, run as the postgres user when we are root (initdb refuses root)."""

    def __init__(self, port: int):
        self.dir = Path(tempfile.mkdtemp(prefix="kol-chaos-pg-"))
        self.data, self.port = self.dir / "data", port
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/app"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=90)  # noqa: S603

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100"
        )
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-o", options, *extra)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "app")

    def start(self) -> None:
        self._ctl("start", "-l", str(self.dir / "log"))

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")  # open sessions end, their transactions roll back

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    def __init__(self, port: int, workdir: Path):
        self.port, self.dir = port, workdir / "redis"
        self.dir.mkdir()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        from redis import Redis

        for _ in range(200):
            with contextlib.suppress(Exception):
                Redis.from_url(self.url).ping()
                return
            time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        """SIGTERM: Redis writes its AOF and exits, as on a planned restart."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class EmulatorServer:
    """Stripe's API, hosted pages and webhooks (to gunicorn, signed with the endpoints' own
    secrets) from the built-in emulator, on a socket of its own, its state in a SQLite file."""

    def __init__(self, port: int, state: Path, secrets_: dict[str, str], deliver):
        """``deliver(path)``: a callable POSTing a webhook body to gunicorn's ``path``."""
        from werkzeug.serving import make_server

        from app.payments.emulator import Emulator, create_wsgi_app
        from app.payments.emulator.settlement import Settings

        self.base = f"http://127.0.0.1:{port}"
        self.emulator = Emulator(
            state, hosted_base_url=self.base, sweep_every=2.0, settings=Settings(("usd",))
        )
        for path, secret, connect in (
            ("/webhooks/stripe", secrets_["STRIPE_WEBHOOK_SECRET"], False),
            ("/webhooks/stripe/connect", secrets_["STRIPE_CONNECT_WEBHOOK_SECRET"], True),
        ):
            self.emulator.add_webhook_endpoint(deliver(path), secret, connect=connect)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per Stripe call
        self.server = make_server("127.0.0.1", port, create_wsgi_app(self.emulator), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)


class Stack:
    """The processes, started and stopped (and killed) by name; every one in its own session."""

    def __init__(self, web_port: int = 18741, pg_port: int = 55432, redis_port: int = 56379):
        self.workdir = Path(tempfile.mkdtemp(prefix="kol-chaos-"))
        self.logs = ROOT / "instance" / "chaos-logs"
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True)
        self.web_port = free_port(web_port)
        self.pg = OwnPostgres(free_port(pg_port))
        self.redis = OwnRedis(free_port(redis_port), self.workdir)
        self.stripe_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.emulator_server: EmulatorServer | None = None
        self.secrets = {
            "STRIPE_SECRET_KEY": "sk_test_chaos" + secrets.token_hex(16),
            "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(20),
            "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(20),
        }

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        """Production settings (APP_ENV=production, JSON logs, async tracking), except
        plain-HTTP cookies: there is no TLS proxy in front of gunicorn here."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
        return {
            **keep,
            "FLASK_SKIP_DOTENV": "1",
            "FLASK_APP": "wsgi.py",
            "APP_ENV": "production",
            "SECRET_KEY": self.secrets.setdefault("SECRET_KEY", secrets.token_urlsafe(40)),
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url,
            **self.secrets,
            "STRIPE_SETTLEMENT_CURRENCIES": "usd",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "STRIPE_API_BASE": f"http://127.0.0.1:{self.stripe_port}",
            "SESSION_COOKIE_SECURE": "0",
            "ANALYTICS_ASYNC": "1",
            "INSTANCE_PATH": str(self.workdir / "instance"),
            "UPLOAD_DIR": str(self.workdir / "uploads"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "prometheus"),
            "BIND": f"127.0.0.1:{self.web_port}",
            "WEB_CONCURRENCY": os.environ.get("CHAOS_WEB_WORKERS", "3"),
            "LOG_LEVEL": "WARNING",
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def prepare(self, deliver) -> None:
        """Cluster, Redis, Stripe (webhooks sent with ``deliver``), schema and the demo data
        (`flask seed`)."""
        self.pg.init()
        self.redis.start()
        state = self.workdir / "stripe_emulator.sqlite3"
        self.emulator_server = EmulatorServer(self.stripe_port, state, self.secrets, deliver)
        self.emulator_server.start()
        env = self.env()
        self.run_flask(["db", "upgrade"], env)
        # The demo marketplace pays on the in-process emulator (outside production only), with
        # jobs inline; it shares the state file with the emulator the production processes use.
        seed_env = {k: v for k, v in env.items() if k not in ("REDIS_URL", "STRIPE_API_BASE")}
        seed_env |= {"APP_ENV": "development", "STRIPE_EMULATOR_STATE": str(state)}
        for name in self.secrets:
            seed_env.pop(name, None)
        self.run_flask(["seed"], seed_env)

    def run_flask(self, args: list[str], env: dict[str, str], timeout: float = 300) -> str:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        if done.returncode not in (0, 1):
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr

    def _start(self, name: str, argv: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_gunicorn(self) -> None:
        self._start("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"])

    def start_worker(self) -> None:
        self._start("worker", [str(BIN / "rq"), "worker", "--url", self.redis.url,
                               *makefile_worker_flags(), "default"])  # fmt: skip

    def start_scheduler(self) -> None:
        self._start("scheduler", [str(BIN / "rq"), "cron", "app/cron.py", "--url",
                                  self.redis.url])  # fmt: skip

    def start(self) -> None:
        self.start_gunicorn()
        self.start_worker()
        self.start_scheduler()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.procs["gunicorn"].poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.logs / 'gunicorn.log'}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.base + "/healthz", timeout=3) as r,  # noqa: S310
            ):
                if r.status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz")

    def gunicorn_workers(self) -> list[int]:
        return descendants(self.procs["gunicorn"].pid)

    def kill_gunicorn_worker(self) -> int:
        """SIGKILL one gunicorn worker (the master starts another); its pid."""
        workers = self.gunicorn_workers()
        if not workers:
            raise RuntimeError("no gunicorn worker to kill")
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_worker(self) -> list[int]:
        """SIGKILL the RQ worker and its work-horse (if one is running a job)."""
        proc = self.procs["worker"]
        victims = [proc.pid, *descendants(proc.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)
        return victims

    def exited(self) -> dict[str, int]:
        """Processes that ended on their own (a supervisor would restart them)."""
        return {name: p.returncode for name, p in self.procs.items() if p.poll() is not None}

    def restart(self, name: str) -> None:
        {"worker": self.start_worker, "scheduler": self.start_scheduler,
         "gunicorn": self.start_gunicorn}[name]()  # fmt: skip

    def stop(self) -> None:
        """Everything, even after a failure: processes (group and descendants), Redis,
        PostgreSQL, the Stripe server, the temp dirs."""
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in [proc.pid, *descendants(proc.pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                proc.wait(10)
        for proc in self.procs.values():  # a work-horse in a group of its own
            for pid in descendants(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.emulator_server:
            with contextlib.suppress(Exception):
                self.emulator_server.stop()
        with contextlib.suppress(Exception):
            self.redis.stop()
        self.pg.destroy()
        shutil.rmtree(self.workdir, ignore_errors=True)
