"""Every error path answers cleanly with its dependencies really gone, signed in or not, web
and API (issue 27): the database (a TCP gate in front of PostgreSQL closed, or the SQLite file
moved out of reach), Redis (its gate closed, on the Redis pass) and the mail server (nothing
listens at its address). The walk runs in a process of its own (tests/hardening/outage_run.py).

Each answer: never the server's bare 500 (an error escaping every handler), the security
headers, ``Cache-Control: no-store`` for a signed-in caller; each 503 has ``Retry-After``, no
traceback, and the JSON envelope under /api/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATABASE_URL, REDIS_URL, on_postgres

ROOT = Path(__file__).resolve().parents[2]
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
)
SIGNED_IN = {"kol", "finance", "api key"}
# What a request answers while everything is up (GET: 200 unless named here) …
WITH_DATABASE = {
    "GET /nope": 404,
    "GET /api/v1/nope": 404,
    "POST /settings/api-keys (forged CSRF token)": 400,
    "POST /settings/api-keys": 200,  # the new key, shown once
    "POST /auth/register": 302,
    "POST /auth/forgot": 302,
}
# … and while the database is down (503 unless named here).
WITHOUT_DATABASE = {
    "GET /nope": 404,
    "GET /api/v1/nope": 404,
    "GET /auth/login": 200,  # the sign-in form needs no database
    "POST /settings/api-keys (forged CSRF token)": 400,
}


def _walk(tmp_path: Path) -> dict:
    settings = {
        "tmp": str(tmp_path),
        "database": DATABASE_URL if on_postgres() else None,
        "redis": REDIS_URL,
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.hardening.outage_run", json.dumps(settings)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _expected(answer: dict) -> int:
    if "database" in answer["step"]:
        return WITHOUT_DATABASE.get(answer["request"], 503)
    return WITH_DATABASE.get(answer["request"], 200)


def _problems(answer: dict) -> list[str]:
    if "escaped" in answer:
        return [f"escaped every handler (the server's bare 500): {answer['escaped']}"]
    problems, headers = [], answer["headers"]
    if answer["status"] != _expected(answer):
        problems.append(f"status {answer['status']}, expected {_expected(answer)}")
    problems += [f"no {name}" for name in SECURITY_HEADERS if not headers[name]]
    if answer["who"] in SIGNED_IN and "no-store" not in (headers["Cache-Control"] or ""):
        problems.append(f"Cache-Control {headers['Cache-Control']!r} for a signed-in caller")
    if answer["traceback"]:
        problems.append("a traceback or a driver's message in the body")
    if answer["status"] == 503 and not headers["Retry-After"]:
        problems.append("503 without Retry-After")
    if answer["status"] >= 400:
        if " /api/" in answer["request"]:
            if not (answer["json"] or {}).get("error", {}).get("code"):
                problems.append("not the JSON error envelope")
        elif answer["mimetype"] != "text/html":
            problems.append(f"an error page as {answer['mimetype']}")
    return problems


def test_every_answer_is_clean_with_the_database_redis_or_mail_down(request, tmp_path):
    if on_postgres():  # the walk commits its accounts: every table is emptied afterwards
        request.getfixturevalue("committing_app")
    walk = _walk(tmp_path)
    answers = walk["answers"]
    steps = sorted({a["step"] for a in answers})
    print(f"{len(answers)} answers over {steps}")
    assert "database down" in steps
    if REDIS_URL:
        assert {"database and redis down", "redis down"} <= set(steps)
    failures = [
        f"{a['step']}: {a['who']} {a['request']}: {'; '.join(_problems(a))}"
        for a in answers
        if _problems(a)
    ]
    assert failures == [], "\n".join(failures)
    assert walk["mail_waiting"] == 1, "the reset mail the server refused is not waiting to retry"
