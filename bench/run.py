# ruff: noqa: S603, S607
"""`make bench`: the production setup on 127.0.0.1 under wrk, as ratios to a hello-world route.

gunicorn (gunicorn.conf.py) + PostgreSQL + Redis + an RQ worker + the tracking writer, with
their own database (BENCH_DATABASE_URL, default .../bench, created when missing) and Redis db
(BENCH_REDIS_URL, default db 11). Prints every figure with its target and PASS/FAIL, writes
bench/results.json. Knobs: BENCH_ROUNDS (7), BENCH_SECONDS per round (4), BENCH_CONNECTIONS
(16), BENCH_EVENTS dashboard sizes ("1000000,10000000"), BENCH_BATCH_EVENTS (200000) sent
BENCH_BATCH_RUNS times (3; each run's events/s over /go's requests/s measured just before and
after it, the median of those; every run's losses, the slowest drain),
BENCH_MIXED_SECONDS (30), BENCH_PORT (18731), BENCH_ONLY (comma-separated parts of target names:
only those throughput targets, and the batch figure when a part names it — e.g. "/go,batch" —
nothing else: for iterating on one figure; the full run is the record).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data, figures  # noqa: E402
from bench.servers import Stack  # noqa: E402
from bench.wrk import alternate, wrk  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
PORT = int(os.environ.get("BENCH_PORT", "18731"))
SIZES = [int(x) for x in os.environ.get("BENCH_EVENTS", "1000000,10000000").split(",") if x]
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH_EVENTS", "200000"))
BATCH_RUNS = int(os.environ.get("BENCH_BATCH_RUNS", "3"))
MIXED_SECONDS = float(os.environ.get("BENCH_MIXED_SECONDS", "30"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
RESULTS = ROOT / "bench" / "results.json"
BATCH_FIGURE = "batch events/s end to end / single-event events/s"
ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]


def bench_env() -> dict[str, str]:
    instance = ROOT / "instance"
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BENCH": "1",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ANALYTICS_BATCH_SECRET": secrets.token_hex(16),
        "ANALYTICS_ASYNC": os.environ.get("ANALYTICS_ASYNC", "1"),  # as in production
        # Production refuses to start without Stripe (the bench never calls it): test-form values.
        "STRIPE_SECRET_KEY": "sk_test_bench_" + secrets.token_hex(16),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "STRIPE_SETTLEMENT_CURRENCIES": "usd",  # production requires it, as Stripe's account has
        # Production requires a key for KOLs' tax ids (the bench stores none): one per run.
        "TAX_ID_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        # Each API key's budget (600 calls a minute by default) would answer most of a round
        # 429: the limiter still counts every call, with a budget the load stays under.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "100000000 per minute"),
        "UPLOAD_DIR": str(instance / "bench-uploads"),
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",  # production requires it (links in mails)
        "FLASK_APP": "wsgi.py",
    }


def ensure_database() -> None:
    url = urlsplit(DATABASE_URL.replace("+psycopg", ""))
    if url.hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("the bench runs only against 127.0.0.1")
    name = url.path.lstrip("/")
    args = ["-h", url.hostname, "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    exists = subprocess.run(
        ["psql", *args, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'",  # noqa: S608
         "postgres"], capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", *args, name], check=True)


class Report:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name, value, target=None, ok=None, unit="", **extra):
        self.rows.append({"name": name, "value": value, "unit": unit, "target": target,
                          "pass": ok, **extra})  # fmt: skip
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{name:<58} {shown + unit:>14}  {target or '':<14} {verdict}", flush=True)


def throughput(report: Report, stack: Stack, st: dict, cookies: dict) -> None:
    """Every page and endpoint against hello-world, alternating."""
    base, hello = stack.base, {"path": "/bench/hello", "headers": data.BROWSER}
    kol = {**data.BROWSER, "Cookie": cookies["kol"]}
    brand = {**data.BROWSER, "Cookie": cookies["brand"]}
    finance = {**data.BROWSER, "Cookie": cookies["finance"]}
    api = {"Authorization": f"Bearer {st['keys']['kols'][0]}"}
    brand_api = {"Authorization": f"Bearer {st['keys']['brand']}"}
    # A returning visitor sends back the cookies of a first visit (only the visitor id: public
    # pages set no session cookie any more, tests/test_sessionless.py).
    returning = {**data.BROWSER, "Cookie": data.visit_cookies(stack.base, st["note_path"])}
    targets = [
        ("public note page (first visit)", st["note_path"], data.BROWSER, 0.5, 2.0),
        ("public note page (returning visitor)", st["note_path"], returning, None, None),
        ("/explore", "/explore", data.BROWSER, 0.5, 2.0),
        # Issue 26's deep pages: page 50 by the cursor a reader following "Next" is given.
        (f"/explore page {data.DEEP_PAGE} (cursor)", st["explore_deep_path"], data.BROWSER,
         0.5, 2.0),
        ("campaign discovery (KOL)", "/campaigns", kol, 0.5, 2.0),
        ("KOL workbench", "/", kol, 0.5, 2.0),  # issue 26: the landing pages
        ("brand workbench", "/", brand, 0.5, 2.0),
        ("finance workbench", "/", finance, 0.5, 2.0),
        ("campaign dashboard (brand)", f"/analytics/campaigns/{st['dashboard_campaign']}",
         brand, 0.5, 2.0),
        ("For you feed (brand)", "/feed?tab=foryou", brand, 0.5, 2.0),
        ("analytics overview (brand)", "/analytics", brand, 0.5, 2.0),
        ("finance dashboard", "/finance", finance, 0.5, 2.0),
        (LEDGER_FIRST, "/finance/ledger", finance, None, None),
        (LEDGER_DEEP, st["ledger_deep_path"], finance, None, None),
        ("/go single-event tracking", f"/go/{st['note_code']}", data.BROWSER, 0.9, 1.5),
        ("API read /api/v1/campaigns", "/api/v1/campaigns", api, 0.5, 2.0),
        ("API read campaign stats", f"/api/v1/campaigns/{st['dashboard_campaign']}/stats",
         brand_api, 0.5, 2.0),
        ("API read /api/v1/explore", "/api/v1/explore", api, None, None),
        ("API read /api/v1/contracts (KOL)", "/api/v1/contracts", api, 0.5, 2.0),
        ("API read /api/v1/bids (brand)", "/api/v1/bids", brand_api, 0.5, 2.0),
        # Issue 26's deep pages: the bench's 72 bids, the page after the first 50 (by cursor).
        ("API read /api/v1/bids after 50 rows (cursor)", deep_bids_path(base, brand_api),
         brand_api, 0.5, 2.0),
    ]  # fmt: skip
    if ONLY:
        targets = [t for t in targets if any(part in t[0] for part in ONLY)]
    wrk(base, "/bench/hello", seconds=2, connections=CONNECTIONS, headers=data.BROWSER)  # warm
    ratios: dict[str, float] = {}
    for name, path, headers, rate_target, p99_target in targets:
        # Unmeasured, as wrk users do: every worker opens its database and Redis connections and
        # fills its page cache for this path (first use per process), then the rounds measure
        # the steady state. The first measured round used to carry those one-off costs (p99s
        # of 130-330 ms against 20-50 ms in the next rounds).
        wrk(base, path, seconds=2, connections=CONNECTIONS, headers=headers)
        target = {"path": path, "headers": headers}
        if "session=" in headers.get("Cookie", ""):  # a browser keeps the refreshed cookie
            target["script"] = "session.lua"
        result = alternate(base, hello, target, rounds=ROUNDS, seconds=SECONDS,
                           connections=CONNECTIONS)  # fmt: skip
        t, h, h2 = result.target, result.hello, result.hello_after
        hello_rps, hello_p99 = (h.rps + h2.rps) / 2, (h.p99_ms + h2.p99_ms) / 2
        extra = {"rps": t.rps, "hello_rps": hello_rps, "p50_ms": t.p50_ms, "p99_ms": t.p99_ms,
                 "hello_p50_ms": (h.p50_ms + h2.p50_ms) / 2, "hello_p99_ms": hello_p99,
                 "rounds": result.rounds, "statuses": t.statuses}  # fmt: skip
        report.add(f"{name}: throughput / hello", result.ratio,
                   f">= {rate_target}" if rate_target else "(reported)",
                   result.ratio >= rate_target if rate_target else None, **extra)  # fmt: skip
        report.add(f"{name}: p99 / hello p99", result.p99_ratio,
                   f"<= {p99_target}" if p99_target else "(reported)",
                   result.p99_ratio <= p99_target if p99_target else None,
                   p50_ms=t.p50_ms, p99_ms=t.p99_ms)  # fmt: skip
        print(f"    p50 {t.p50_ms:.1f} ms, p99 {t.p99_ms:.1f} ms, {t.rps:.0f} req/s; hello either "
              f"side p99 {hello_p99:.1f} ms, {hello_rps:.0f} req/s", flush=True)  # fmt: skip
        report.add(f"{name}: errors (4xx, 5xx, socket)", result.bad_statuses, "0",
                   result.bad_statuses == 0)  # fmt: skip
        ratios[name] = result.ratio
    if LEDGER_FIRST in ratios and LEDGER_DEEP in ratios:  # "as fast as page 1", in one run
        deep = ratios[LEDGER_DEEP] / ratios[LEDGER_FIRST] if ratios[LEDGER_FIRST] else 0.0
        report.add(f"finance ledger page {data.DEEP_PAGE} / page 1 throughput", deep, ">= 0.8",
                   deep >= 0.8)  # fmt: skip


LEDGER_FIRST = "finance ledger (page 1)"
LEDGER_DEEP = f"finance ledger page {data.DEEP_PAGE} (cursor)"


def deep_bids_path(base: str, headers: dict) -> str:
    """/api/v1/bids after its first 50 rows: the next_cursor a client paging by 50 is given."""
    import urllib.request

    request = urllib.request.Request(base + "/api/v1/bids?per_page=50", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        cursor = json.loads(response.read())["next_cursor"]
    if not cursor:
        raise RuntimeError("the bench brand has 50 bids or fewer: no deep page to measure")
    return f"/api/v1/bids?cursor={cursor}"


def ensure_volume(st: dict, env: dict) -> dict[int, int]:
    """Each dashboard campaign filled to its size in BENCH_EVENTS (generated once per database,
    before the servers start: the throughput targets read the largest one); the events each
    holds."""
    from sqlalchemy import func, select

    from app.analytics.models import TrackingEvent
    from app.extensions import db

    held = {}
    for size in SIZES:
        campaign = st["dashboards"][size]  # one campaign per size, the same shape
        have = db.session.scalar(
            select(func.count())
            .select_from(TrackingEvent)
            .where(TrackingEvent.campaign_id == campaign)
        )
        db.session.rollback()
        if have < size:
            print(f"    generating {size - have:,} events (once per database) …", flush=True)
            started = time.monotonic()
            subprocess.run(
                [str(ROOT / ".venv/bin/flask"), "analytics", "generate", "--events",
                 str(size - have), "--days", "60", "--seed", str(have), "--campaign",
                 str(campaign)],
                cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            print(f"    generated in {time.monotonic() - started:.0f} s", flush=True)
            have = size
            vacuum_analyze()
        held[size] = have
    return held


def dashboard_sizes(report: Report, stack: Stack, st: dict, cookie: str) -> None:
    headers = {**data.BROWSER, "Cookie": cookie}
    times = {}
    for size in SIZES:
        campaign, have = st["dashboards"][size], st["volume"][size]
        queries_ms = dashboard_queries_ms(campaign)
        times[size] = queries_ms
        report.add(f"dashboard queries p50, campaign with {have:,} events", queries_ms,
                   "<= 50", queries_ms <= 50, unit=" ms", events=have)  # fmt: skip
        path = f"/analytics/campaigns/{campaign}"
        run = wrk(stack.base, path, seconds=5, connections=1, threads=1, headers=headers)
        report.add(f"dashboard page (HTTP) p50, campaign with {have:,} events", run.p50_ms,
                   "(reported)", None, unit=" ms", p50_ms=run.p50_ms, p99_ms=run.p99_ms)  # fmt: skip
    if len(SIZES) >= 2:
        small, large = times[SIZES[0]], times[SIZES[-1]]
        ratio = large / small if small else float("inf")
        report.add(f"dashboard queries p50 {SIZES[-1]:,} / {SIZES[0]:,} events", ratio, "<= 1.5",
                   ratio <= 1.5)  # fmt: skip


def vacuum_analyze() -> None:
    """After a bulk load, what autovacuum would do before anyone read it (it is off on the shared
    server here): fresh statistics, hint bits and the visibility map. Measured right after the
    generator, the first reads set hint bits on millions of rows and plans use stale counts."""
    from sqlalchemy import text

    from app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("analytics_events", "analytics_hourly", "analytics_visitor_days"):
            connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def dashboard_queries_ms(campaign_id: int, repeat: int = 15) -> float:
    """The dashboard's numbers (app.analytics.queries.stats_for, default range), in process."""
    from app.analytics.queries import parse_range, stats_for
    from app.extensions import db

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        stats_for(campaign_id=campaign_id, rng=parse_range({}))
        times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return statistics.median(times)


def go_now(base: str, st: dict) -> float:
    """/go's requests/s over one round (the throughput rounds' length and connections), then
    its clicks drained, so they are not counted in the batch run that follows."""
    run = wrk(base, f"/go/{st['note_code']}", seconds=SECONDS, connections=CONNECTIONS,
              headers=data.BROWSER)  # fmt: skip
    from app.analytics.hitbuffer import FLUSH_SECONDS

    time.sleep(FLUSH_SECONDS + 0.3)  # the web processes hand over their last buffered clicks
    if wait_for_empty_stream(quiet=True):
        raise RuntimeError("/go's clicks were not stored within 120 s: the batch would count them")
    return run.rps


def wait_for_empty_stream(limit: float = 120, *, quiet: bool = False) -> int:
    """Leftovers of an earlier run would delay this run's events: let the writer finish them
    (at most ``limit`` seconds); returns the stream entries left at start."""
    from redis import Redis

    client, start = Redis.from_url(REDIS_URL), time.monotonic()
    left = client.xlen("analytics:events")
    while left and time.monotonic() - start < limit:
        time.sleep(1)
        left = client.xlen("analytics:events")
    if not quiet:
        print(f"    tracking stream backlog at start: {left} entries", flush=True)
    return left


def main() -> int:
    ensure_database()
    env = bench_env()
    os.environ.update(env)
    from app import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        st = data.state(SIZES)
        st["volume"] = ensure_volume(st, env)
        # The shared server here runs with autovacuum off: analyze as autovacuum would, or
        # the writer's dedupe lookups plan as if the tables were empty (seconds per query).
        from sqlalchemy import text

        from app.extensions import db

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    report = Report()
    stack = Stack(env, PORT)
    started = time.monotonic()
    print(f"bench: {DATABASE_URL} {REDIS_URL} port {PORT}; {st['published_notes']} published "
          f"notes; rounds {ROUNDS} × {SECONDS:.0f} s, {CONNECTIONS} connections", flush=True)  # fmt: skip
    try:
        stack.start()
        backlog_at_start = wait_for_empty_stream()
        from tests.factories import PASSWORD

        cookies = {
            "kol": data.login_cookie("127.0.0.1", PORT, st["kol_email"], PASSWORD),
            "brand": data.login_cookie("127.0.0.1", PORT, st["brand_email"], PASSWORD),
            "finance": data.login_cookie("127.0.0.1", PORT, st["finance_email"], PASSWORD),
        }
        throughput(report, stack, st, cookies)
        batch_only = ONLY and any(part in BATCH_FIGURE for part in ONLY)
        if ONLY and not batch_only:
            print("BENCH_ONLY: the other figures are skipped; nothing is written", flush=True)
            return 0
        with app.app_context():
            # Measured once, one figure took whatever else the machine did in those seconds:
            # the median of a few runs, with every run's losses counted and the slowest drain
            # reported. Each run is compared with /go measured right before and right after it
            # (like the alternating rounds): set against /go's figure from minutes earlier, a
            # change in the machine's speed in between moved the ratio by a quarter.
            runs, around = [], [go_now(stack.base, st)]
            for _ in range(BATCH_RUNS):
                runs.append(figures.batch_end_to_end(stack.base, st["batch_code"],
                                                     env["ANALYTICS_BATCH_SECRET"],
                                                     st["tracking_notes"], BATCH_EVENTS))  # fmt: skip
                around.append(go_now(stack.base, st))
                last = runs[-1]
                print(f"    {last['events_stored']:,} events stored at {last['events_per_s']:,.0f}/s "
                      f"end to end (HTTP alone {last['http_events_per_s']:,.0f}/s), drained in "
                      f"{last['drain_seconds']:.2f} s; /go {around[-2]:,.0f}/s before, "
                      f"{around[-1]:,.0f}/s after", flush=True)  # fmt: skip
            ratios = [run["events_per_s"] * 2 / (before + after) if before + after else 0.0
                      for run, (before, after) in zip(runs, itertools.pairwise(around),
                                                      strict=True)]  # fmt: skip
            middle = sorted(range(len(runs)), key=ratios.__getitem__)[len(runs) // 2]
            batch, ratio = runs[middle], ratios[middle]
            report.add(BATCH_FIGURE, ratio, ">= 20", ratio >= 20, **batch, runs=ratios,
                       go_rps_around=around)  # fmt: skip
            lost = sum(run["lost"] for run in runs)
            report.add("batch events lost", lost, "0", lost == 0)
            drain = max(run["drain_seconds"] for run in runs)
            report.add("batch backlog drained after load stops", drain, "<= 5", drain <= 5,
                       unit=" s")  # fmt: skip
            if batch_only:
                print("BENCH_ONLY: the other figures are skipped; nothing is written", flush=True)
                return 0
            mixed = figures.mixed_load(stack.base, st, cookies["kol"], stack,
                                       seconds=MIXED_SECONDS, delay_ms=20, connections=8)  # fmt: skip
            print(f"    mixed: {mixed['rate']:.0f} req/s for {mixed['seconds']:.0f} s, statuses "
                  f"{mixed['statuses']}, {mixed['tracking_hits']} tracking hits, "
                  f"{mixed['bids_placed']} bids; RSS MB before {mixed['rss_mb_before']} after "
                  f"{mixed['rss_mb_after']}", flush=True)  # fmt: skip
            report.add(f"mixed load ({mixed['rate']:.0f} req/s, {mixed['seconds']:.0f} s): "
                       "server errors", mixed["server_errors"], "0",
                       mixed["server_errors"] == 0, **mixed)  # fmt: skip
            report.add("mixed load: tracking events lost", mixed["tracking_lost"], "0",
                       mixed["tracking_lost"] == 0)  # fmt: skip
            for name in ("worker", "writer"):
                grew = mixed["rss_mb_after"][name] - mixed["rss_mb_before"][name]
                report.add(f"mixed load: {name} RSS growth", grew, "<= 10", grew <= 10,
                           unit=" MB")  # fmt: skip
            dashboard_sizes(report, stack, st, cookies["brand"])
    finally:
        stack.stop()
    pages = {
        "public note page": (st["note_path"], None, {}),
        "/explore": ("/explore", None, {}),
        "/explore (trending)": ("/explore?tab=trending", None, {}),
        "/explore (for you, visitor)": ("/explore?tab=foryou", None, {}),
        "campaign discovery (KOL)": ("/campaigns", st["kol_email"], {}),
        "KOL workbench": ("/", st["kol_email"], {}),
        "brand workbench": ("/", st["brand_email"], {}),
        "campaign dashboard (brand)": (f"/analytics/campaigns/{st['dashboard_campaign']}",
                                       st["brand_email"], {}),
        "API /api/v1/campaigns": ("/api/v1/campaigns", None,
                                  {"Authorization": f"Bearer {st['keys']['kols'][0]}"}),
        "analytics overview (brand)": ("/analytics", st["brand_email"], {}),
        "finance dashboard": ("/finance", st["finance_email"], {}),
        "API /api/v1/contracts (KOL)": ("/api/v1/contracts", None,
                                        {"Authorization": f"Bearer {st['keys']['kols'][0]}"}),
        "API /api/v1/bids (brand)": ("/api/v1/bids", None,
                                     {"Authorization": f"Bearer {st['keys']['brand']}"}),
        "API campaign stats": (f"/api/v1/campaigns/{st['dashboard_campaign']}/stats", None,
                               {"Authorization": f"Bearer {st['keys']['brand']}"}),
        "finance workbench": ("/", st["finance_email"], {}),
    }  # fmt: skip
    quiet = create_app(RATELIMIT_ENABLED=False)  # the pass signs in again: no login limit
    for name, counts in figures.queries_per_page(quiet, pages).items():
        report.add(f"SQL queries: {name} (first / repeat)", f"{counts['first']} / "
                   f"{counts['again']}", "<= 10", counts["first"] <= 10, **counts)  # fmt: skip
    RESULTS.write_text(json.dumps({
        "when_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "seconds": round(time.monotonic() - started),
        "setup": {"rounds": ROUNDS, "seconds_per_round": SECONDS, "connections": CONNECTIONS,
                  "gunicorn": "gunicorn.conf.py", "published_notes": st["published_notes"],
                  "stream_backlog_at_start": backlog_at_start},
        "figures": report.rows,
    }, indent=2, default=str) + "\n")  # fmt: skip
    failed = [r for r in report.rows if r["pass"] is False]
    print(f"written to {RESULTS.relative_to(ROOT)}; {len(failed)} figure(s) FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
