"""Degradation: the app keeps its promises when Redis or the database is gone.

Each scenario runs in its own process (the rate limiter and the tracking buffer are process-wide)
against an app whose Redis (or database) is an address where nothing listens; the shared
PostgreSQL and Redis are never touched.

- Redis down: pages serve; a money action (a finance retry of a failed payout) commits and its
  job waits in the outbox (``staged_jobs``, status ``staged``) for the sweeper; a note view is
  written to the database instead of the stream; sign-in is still limited (memory fallback).
- Database down: pages answer a clean 503 (HTML with Retry-After, JSON on /api), no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens"

REDIS_DOWN = textwrap.dedent(
    """
    import json, re
    from sqlalchemy import func, select
    from app import create_app
    from app.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite:///{tmp}/down.sqlite3",
                     UPLOAD_DIR="{tmp}", SERVER_NAME="localhost", JOBS_INLINE=False,
                     REDIS_URL="{redis}", RATELIMIT_STORAGE_URI="{redis}")
    out = {{}}
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        from app.analytics.models import TrackingEvent
        from app.jobs import StagedJob
        from app.payments.models import ConnectAccount, Payout, PayoutStatus
        from app.auth.models import User
        from tests.factories import PASSWORD, give_tax_details, make_user
        from tests.notes.support import published_note
        note = published_note()
        finance = make_user("finance")
        # A payable KOL (without an account and tax details the retry waits, stages nothing).
        give_tax_details(db.session.get(User, note.kol_id))
        db.session.add(ConnectAccount(user_id=note.kol_id, stripe_account_id="acct_degraded",
                                      details_submitted=True, payouts_enabled=True,
                                      transfers_active=True))
        payout = Payout(contract_id=note.contract_id, kol_id=note.kol_id, stage="approval",
                        amount=1000, currency="usd", status=PayoutStatus.FAILED,
                        last_error="card_declined")
        db.session.add(payout)
        db.session.commit()
        ids = dict(note=note.id, slug=note.slug, payout=payout.id, email=finance.email)
        events = lambda: db.session.scalar(select(func.count()).select_from(TrackingEvent))
        before = events()
        db.session.remove()

    def token(client, page):
        html = client.get(page).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    browser = {{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
               "Accept-Language": "en"}}
    client = app.test_client()
    out["pages"] = {{url: client.get(url, headers=browser).status_code for url in
                    ("/", "/campaigns", "/explore", f"/n/{{ids['note']}}-{{ids['slug']}}")}}
    login = {{"email": ids["email"], "password": PASSWORD,
              "csrf_token": token(client, "/auth/login")}}
    out["login"] = client.post("/auth/login", data=login).status_code
    retry = {{"reason": "card updated", "csrf_token": token(client, "/finance/payouts")}}
    out["retry"] = client.post(f"/finance/payouts/{{ids['payout']}}/retry", data=retry).status_code
    with app.app_context():
        jobs = db.session.scalars(select(StagedJob).where(StagedJob.name == "payments.transfer"))
        out["jobs"] = [[j.kwargs.get("payout_id"), j.status] for j in jobs]
        out["payout_status"] = str(db.session.get(Payout, ids["payout"]).status)
        out["events_added"] = events() - before
    other = app.test_client()
    bad = {{"email": "nobody@example.com", "password": "x" * 9,
            "csrf_token": token(other, "/auth/login")}}
    out["limited"] = [other.post("/auth/login", data=bad).status_code for _ in range(6)]
    print(json.dumps(out))
    """
)

DATABASE_DOWN = textwrap.dedent(
    """
    import json
    from app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI="{database}", UPLOAD_DIR="{tmp}",
                     SQLALCHEMY_ENGINE_OPTIONS={{"connect_args": {{"connect_timeout": 2}}}},
                     REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    out = {{}}
    for url in ("/campaigns", "/explore", "/kols/1", "/auth/login", "/api/v1/explore",
                "/healthz"):
        response = client.get(url)
        out[url] = dict(status=response.status_code, body=response.get_data(as_text=True),
                        retry=response.headers.get("Retry-After"),
                        json=response.is_json)
    print(json.dumps(out))
    """
)


def _run(script: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_redis_down_pages_serve_money_waits_in_the_outbox_tracking_uses_the_database(tmp_path):
    out = _run(REDIS_DOWN.format(tmp=tmp_path, redis=DEAD_REDIS))
    print(f"Redis down: {out}")
    assert set(out["pages"].values()) == {200}, out["pages"]
    assert out["login"] == 302
    assert out["retry"] == 302
    assert out["payout_status"] != "failed"  # the retry committed
    waiting = [job for job in out["jobs"] if job[1] == "staged"]
    assert waiting, f"the transfer job is not waiting in the outbox: {out['jobs']}"
    assert out["events_added"] >= 1, "the view was lost instead of written to the database"
    assert out["limited"] == [422] * 5 + [429], "the limiter did not fall back to memory"


def test_database_down_answers_a_clean_503(tmp_path):
    out = _run(DATABASE_DOWN.format(tmp=tmp_path, database=DEAD_DATABASE))
    print("database down: " + ", ".join(f"{u} {r['status']}" for u, r in out.items()))
    for url, answer in out.items():
        if url == "/auth/login":
            assert answer["status"] in (200, 503), answer["status"]  # needs no database
            continue
        assert answer["status"] == 503, (url, answer["status"])
        assert "Traceback" not in answer["body"] and "psycopg" not in answer["body"]
        assert "127.0.0.1" not in answer["body"] and "nothing_listens" not in answer["body"]
        if url.startswith("/api/") or url == "/healthz":
            assert answer["json"], url
        if url != "/healthz":
            assert answer["retry"] == "5", url
