"""gunicorn.conf.py: values from the environment with 2-core defaults, the Prometheus
multiprocess hooks, and a real gunicorn whose /metrics sums every worker."""

from __future__ import annotations

import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.factories import PRODUCTION_STRIPE

ROOT = Path(__file__).resolve().parents[2]
CONF = str(ROOT / "gunicorn.conf.py")
SETTINGS = (
    "WEB_CONCURRENCY", "GUNICORN_THREADS", "BIND", "PORT", "GUNICORN_TIMEOUT",
    "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER", "LOG_FORMAT", "APP_ENV", "GUNICORN_PRELOAD", "GUNICORN_ACCESS_LOG",
)  # fmt: skip


@pytest.fixture
def load(monkeypatch, tmp_path):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))

    def run(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(CONF)

    return run


def test_defaults_suit_a_small_host(load):
    conf = load()
    cores = len(os.sched_getaffinity(0))
    assert conf["workers"] == 2 * cores + 1
    # Sync workers: a worker takes a connection only when idle (see gunicorn.conf.py).
    assert conf["threads"] == 1 and conf["worker_class"] == "sync"
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["timeout"] == 30 and conf["graceful_timeout"] == 30
    assert conf["max_requests"] == 0  # no recycling unless asked: memory is measured flat
    assert conf["preload_app"] is True
    assert conf["accesslog"] is None  # the app writes its own access line
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert conf["control_socket_disable"] is True


def test_values_come_from_the_environment(load):
    conf = load(WEB_CONCURRENCY="3", GUNICORN_THREADS="4", PORT="9100", GUNICORN_TIMEOUT="60")
    assert conf["workers"] == 3 and conf["threads"] == 4 and conf["worker_class"] == "gthread"
    assert conf["bind"] == ["0.0.0.0:9100"] and conf["timeout"] == 60
    assert load(BIND="unix:/run/kol.sock")["bind"] == ["unix:/run/kol.sock"]
    recycled = load(GUNICORN_MAX_REQUESTS="50000")
    assert recycled["max_requests"] == 50000 and recycled["max_requests_jitter"] == 5000


def test_json_logs_in_production_use_the_app_formatter(load):
    conf = load(APP_ENV="production")
    formatter = conf["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == "app.observability.logging.JsonFormatter"
    assert "logconfig_dict" not in load(APP_ENV="development", LOG_FORMAT="text")


def test_child_exit_drops_a_dead_workers_live_gauges(load, tmp_path):
    conf = load()
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True)
    (directory / "gauge_livesum_4242.db").write_bytes(b"")
    (directory / "counter_4242.db").write_bytes(b"")
    conf["child_exit"](None, type("Worker", (), {"pid": 4242})())
    assert sorted(p.name for p in directory.iterdir()) == ["counter_4242.db"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - local
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local
        return response.status, response.read().decode()


@pytest.mark.parametrize("asked", [False, True])
def test_gunicorn_builds_access_lines_only_when_asked(load, asked):
    """The app writes its own access line. Gunicorn's, built from every request and response
    header whenever a logging configuration is set (production's JSON one), is built only with
    GUNICORN_ACCESS_LOG, not built and dropped on every request."""
    conf = load(APP_ENV="production", **({"GUNICORN_ACCESS_LOG": "-"} if asked else {}))
    assert "logconfig_dict" in conf
    logger_class = conf["logger_class"]
    logger = logger_class.__new__(logger_class)
    built = []
    logger.atoms = lambda *args: built.append(args) or {"h": "127.0.0.1"}
    logger.atoms_wrapper_class = dict
    logger._access_log_enabled = True  # what gunicorn computes with a logging configuration
    logger.cfg = type("Cfg", (), {"access_log_format": "%(h)s"})()
    logger.access_log = logging.getLogger("tests.gunicorn.access")
    logger.access(object(), object(), {}, 0.001)
    assert len(built) == (1 if asked else 0)


def test_a_real_gunicorn_serves_and_sums_metrics_over_its_workers(tmp_path):
    """Two workers, SQLite: every request counted once in /metrics, whichever worker served."""
    port, db_url = _free_port(), f"sqlite:///{tmp_path / 'kol.sqlite3'}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "APP_ENV": "production", "SECRET_KEY": "ops-test-" + "q7" * 20, "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(tmp_path), "FLASK_SKIP_DOTENV": "1", "METRICS_TOKEN": "tok-ops-test",
        "WEB_CONCURRENCY": "2", "BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "FLASK_APP": "wsgi.py",
        **PRODUCTION_STRIPE,
    }  # fmt: skip
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-c", CONF, "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _get(base + "/healthz")[0] == 200
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "did not start"
                time.sleep(0.3)
        for _ in range(11):
            assert _get(base + "/explore", {"X-Request-ID": "gunicorn-test-01"})[0] == 200
        status, text = _get(base + "/metrics", {"Authorization": "Bearer tok-ops-test"})
        assert status == 200
        series = 'kol_http_requests_total{endpoint="notes.explore",method="GET",status="200"}'
        assert f"{series} 11.0" in text
        assert (tmp_path / "prom").is_dir() and len(list((tmp_path / "prom").iterdir())) >= 1
    finally:
        server.terminate()
        output = server.communicate(timeout=40)[0].decode()
    lines = [line for line in output.splitlines() if '"kol.access"' in line]
    assert any('"request_id": "gunicorn-test-01"' in line for line in lines), output[-2000:]
    # The master warmed the app once before forking (templates, both catalogues).
    assert "warmed up before forking" in output and "'languages': 2" in output, output[-2000:]


def test_warm_up_compiles_every_template_and_loads_each_catalogue(app):
    from app.observability.runtime import warm_up

    app.jinja_env.cache.clear()
    figures = warm_up(app)
    assert figures["languages"] == len(app.config["LANGUAGES"])
    assert figures["templates"] >= 50
    assert len(app.jinja_env.cache) == figures["templates"]  # all compiled, none left to do
