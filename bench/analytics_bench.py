# ruff: noqa: S603
"""`make bench`: the analytics speed targets of issue 5, as ratios taken in one run.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; uses its own Redis stream. Not run in CI.
Prints each figure with its target and PASS/FAIL and writes them to bench/results.txt.
Sizes: BENCH_SMALL (default 1,000,000) and BENCH_LARGE (default 10,000,000) events for the
dashboard figure; BENCH_SECONDS per load round (default 5); BENCH_ROUNDS (default 3).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("BENCH_PORT", "5099"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SMALL = int(os.environ.get("BENCH_SMALL", "1000000"))
LARGE = int(os.environ.get("BENCH_LARGE", "10000000"))
SECRET = "bench-" + secrets.token_hex(8)
STREAM = "bench:analytics:" + secrets.token_hex(4)
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--log-level", "warning"]


def env() -> dict:
    out = dict(os.environ)
    out.update(
        ANALYTICS_BATCH_SECRET=SECRET,
        ANALYTICS_STREAM=STREAM,
        RATELIMIT_ENABLED="false",
        JOBS_INLINE="true",
    )
    return out


def setup() -> dict:
    """A brand, a campaign and one published note (direct inserts, as the tests do)."""
    os.environ.update(env())
    from app import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from tests.analytics.support import published_note

        note = published_note()
        return {"note_id": note.id, "code": note.tracking_code, "slug": note.slug,
                "campaign_id": note.campaign_id}  # fmt: skip


def _worker(path, method, body, headers, seconds, queue):
    latencies, done, end = [], 0, time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status < 500:
                done += 1
        finally:
            conn.close()
        latencies.append(time.perf_counter() - start)
    queue.put((done, latencies))


def load(path, method="GET", body=None, headers=None, seconds=SECONDS) -> tuple[float, float]:
    """(requests per second, p99 latency in seconds) with CLIENTS concurrent clients."""
    queue = mp.Queue()
    procs = [
        mp.Process(target=_worker, args=(path, method, body, headers or {}, seconds, queue))
        for _ in range(CLIENTS)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    total = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[1])
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("inf")
    return total / seconds, p99


def alternate(a: dict, b: dict) -> tuple[float, float]:
    """Median throughput ratio b/a and p99 ratio b/a over alternating rounds (A B A B …)."""
    rates, p99s = [], []
    for _ in range(ROUNDS):
        ra, pa = load(**a)
        rb, pb = load(**b)
        rates.append(rb / ra)
        p99s.append(pb / pa)
    return statistics.median(rates), statistics.median(p99s)


def signed(events: list[dict]) -> tuple[bytes, dict]:
    body = json.dumps({"events": events}).encode()
    sig = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Signature": f"sha256={sig}"}


def batch_throughput(code: str) -> tuple[float, int, float]:
    """Events/s end to end through the batch endpoint, events lost, seconds to drain."""
    from app import create_app
    from app.analytics.models import TrackingEvent
    from app.extensions import db

    app = create_app()
    with app.app_context():
        before = db.session.query(TrackingEvent).count()
    drainer = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi.py", "analytics", "drain", "--loop",
         "--interval", "0.2"],
        cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    sent = mp.Value("i", 0)
    seconds = SECONDS

    def send(offset):
        n, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            events = [
                {"type": "view", "event_id": f"bench-{offset}-{n}-{i}", "code": code,
                 "visitor": f"v{offset}-{n}-{i}"}
                for i in range(500)
            ]  # fmt: skip
            body, headers = signed(events)
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            conn.request("POST", "/api/v1/events/batch", body=body, headers=headers)
            response = conn.getresponse()
            accepted = json.loads(response.read()).get("accepted", 0)
            conn.close()
            n += 1
            with sent.get_lock():
                sent.value += accepted

    procs = [mp.Process(target=send, args=(k,)) for k in range(4)]
    start = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    stopped = time.monotonic()
    with app.app_context():
        while True:
            stored = db.session.query(TrackingEvent).count() - before
            db.session.rollback()
            if stored >= sent.value or time.monotonic() - stopped > 30:
                break
            time.sleep(0.05)
    drained_in = time.monotonic() - stopped
    drainer.send_signal(signal.SIGTERM)
    drainer.wait()
    return stored / (time.monotonic() - start), sent.value - stored, drained_in


def dashboard_p50(campaign_id: int, total_events: int) -> float:
    from app import create_app
    from app.analytics.models import TrackingEvent
    from app.analytics.queries import parse_range, stats_for
    from app.extensions import db

    app = create_app()
    with app.app_context():
        have = db.session.query(TrackingEvent).count()
    if have < total_events:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi.py", "analytics", "generate",
             "--events", str(total_events - have), "--days", "60", "--seed", str(have)],
            cwd=ROOT, env=env(), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    with app.app_context():
        rng = parse_range({})
        times = []
        for _ in range(25):
            start = time.perf_counter()
            stats_for(campaign_id=campaign_id, rng=rng)
            times.append(time.perf_counter() - start)
            db.session.rollback()
    return statistics.median(times)


def page_queries(note_id: int, slug: str) -> int:
    from sqlalchemy import event

    from app.extensions import db
    from bench.wsgi_bench import app

    count = [0]
    with app.app_context():
        engine = db.engine

        def listener(*_a):
            count[0] += 1

        event.listen(engine, "before_cursor_execute", listener)
        app.test_client().get(f"/n/{note_id}-{slug}", headers={"User-Agent": "Mozilla/5.0 x"})
        event.remove(engine, "before_cursor_execute", listener)
    return count[0]


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql") or not os.environ.get(
        "REDIS_URL"
    ):
        print("make bench needs DATABASE_URL (PostgreSQL) and REDIS_URL")
        return 2
    data = setup()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{PORT}",
         "bench.wsgi_bench:app"],
        cwd=ROOT, env=env(),
    )  # fmt: skip
    results = []

    def report(name, value, target, ok):
        line = f"{name:<58} {value:>12} target {target:<14} {'PASS' if ok else 'FAIL'}"
        print(line, flush=True)
        results.append(line)

    try:
        time.sleep(2)
        hello = {"path": "/bench/hello"}
        browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
                   "Accept-Language": "en"}  # fmt: skip
        track = {"path": f"/go/{data['code']}", "headers": browser}
        rate, p99 = alternate(hello, track)
        report(
            "single-event tracking (/go) throughput / hello", f"{rate:.2f}", ">= 0.75", rate >= 0.75
        )
        report("single-event tracking p99 / hello p99", f"{p99:.2f}", "<= 1.5", p99 <= 1.5)
        single_rate, _ = load(**track)
        batch_rate, lost, drained = batch_throughput(data["code"])
        ratio = batch_rate / max(single_rate, 1)
        report(
            "batch events/s end to end / single-event events/s",
            f"{ratio:.1f}",
            ">= 20",
            ratio >= 20,
        )
        report("events lost (not stored when the wait ended)", str(lost), "0", lost == 0)
        report("backlog drained after load stops (s)", f"{drained:.2f}", "<= 5", drained <= 5)
        page = {"path": f"/n/{data['note_id']}-{data['slug']}", "headers": browser}
        rate, _ = alternate(hello, page)
        report("public note page throughput / hello", f"{rate:.2f}", ">= 0.5", rate >= 0.5)
        queries = page_queries(data["note_id"], data["slug"])
        report("public note page SQL queries", str(queries), "<= 10", queries <= 10)
    finally:
        server.terminate()
        server.wait()
    small = dashboard_p50(data["campaign_id"], SMALL)
    large = dashboard_p50(data["campaign_id"], LARGE)
    report(f"dashboard p50 at {LARGE:,} events (ms)", f"{large * 1000:.1f}", "<= 50", large <= 0.05)
    report(
        f"dashboard time {LARGE:,} / {SMALL:,}",
        f"{large / small:.2f}",
        "<= 1.5",
        large / small <= 1.5,
    )
    out = ROOT / "bench" / "results.txt"
    out.write_text(
        time.strftime("%Y-%m-%d %H:%M:%S UTC\n", time.gmtime()) + "\n".join(results) + "\n"
    )
    print(f"written to {out}")
    return 0 if all(line.endswith("PASS") for line in results) else 1


if __name__ == "__main__":
    mp.set_start_method("fork")
    raise SystemExit(main())
