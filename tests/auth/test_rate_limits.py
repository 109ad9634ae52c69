"""Rate limits hold across processes in every supported mode, and every public door that
creates something (an account, a reset e-mail, a comment, an API key) is limited.

The cross-process tests start two real app processes on one database (a SQLite file, or a
scratch PostgreSQL database), let them hit the same limit at the same moment, and count what
got through: exactly the limit, never the limit per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.ratelimits import DatabaseStorage, RateLimitCounter
from tests.conftest import DATABASE_URL, REDIS_URL, on_postgres, post_form, sign_in
from tests.factories import make_api_key, make_user
from tests.notes.support import published_note

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"
LIMIT = 5
ATTEMPTS = 8  # per process

PREPARE = textwrap.dedent(
    """
    import sys
    from flask_migrate import upgrade
    from app import create_app
    from app.extensions import db
    from tests.factories import make_user

    app = create_app("test", SQLALCHEMY_DATABASE_URI=sys.argv[1], UPLOAD_DIR=sys.argv[2],
                     REDIS_URL=None)
    with app.app_context():
        upgrade()
        make_user("brand", email="limits@example.com")
        db.session.remove()
    """
)

# One app process: waits for the go file, then makes ATTEMPTS attempts and prints statuses.
WORKER = textwrap.dedent(
    """
    import json, re, sys, time
    from pathlib import Path
    from app import create_app
    from tests.factories import PASSWORD

    url, redis, action, tmp = sys.argv[1:5]
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis or None,
                     UPLOAD_DIR=tmp, LOGIN_LIMIT_IP="1000 per minute",
                     LOGIN_LIMIT_ACCOUNT="{limit} per minute", API_KEY_LIMIT="{limit} per hour")
    client = app.test_client()

    def token(page):
        html = client.get(page).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    if action == "api-key":
        form = dict(email="limits@example.com", password=PASSWORD,
                    csrf_token=token("/auth/login"))
        assert client.post("/auth/login", data=form).status_code == 302
        url, form = "/settings/api-keys", dict(name="k", csrf_token=token("/settings/api-keys"))
    else:
        url = "/auth/login"
        form = dict(email=action, password="x" * 9,
                    csrf_token=token("/auth/login"))
    Path(tmp, "ready-" + sys.argv[5]).touch()
    while not Path(tmp, "go").exists():
        time.sleep(0.01)
    print(json.dumps([client.post(url, data=form).status_code for _ in range({attempts})]))
    """
).format(limit=LIMIT, attempts=ATTEMPTS)


def _python(script: str, *args: str, tmp: Path) -> subprocess.Popen:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args, str(tmp)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _two_processes(url: str, redis: str, action: str, tmp: Path) -> list[int]:
    """Both processes' statuses, their attempts made at the same moment. ``action``: an
    e-mail to fail signing in as, or "api-key" (create keys as the prepared account)."""
    workers = [_python(WORKER, url, redis, action, str(tmp), str(n), tmp=tmp) for n in (1, 2)]
    deadline = time.monotonic() + 180
    while not all((tmp / f"ready-{n}").exists() for n in (1, 2)):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), [
            w.communicate()[1][-3000:] for w in workers if w.poll() is not None
        ]
        time.sleep(0.05)
    (tmp / "go").touch()
    statuses = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err[-3000:]
        statuses += json.loads(out.strip().splitlines()[-1])
    return statuses


@pytest.fixture(scope="module")
def scratch_database(tmp_path_factory):
    """A database of its own for the app processes, migrated once: a SQLite file, or (on the
    PostgreSQL run) a scratch PostgreSQL database next to the suite's, dropped afterwards."""
    tmp = tmp_path_factory.mktemp("limits")
    if not on_postgres():
        yield _prepared(f"sqlite:///{tmp / 'shared.sqlite3'}", tmp)
        return
    url = make_url(DATABASE_URL)
    name = f"{url.database}_limits_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _prepared(url.set(database=name).render_as_string(hide_password=False), tmp)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepared(url: str, tmp: Path) -> str:
    prepare = _python(PREPARE, url, tmp=tmp)
    _out, err = prepare.communicate(timeout=180)
    assert prepare.returncode == 0, err[-3000:]
    return url


def test_sign_in_limit_holds_across_two_processes_on_one_database(scratch_database, tmp_path):
    """Without Redis the counters are rows in the shared database (SQLite or PostgreSQL):
    two processes together let exactly LIMIT failed sign-ins of one account through."""
    statuses = _two_processes(scratch_database, "", "no-redis@example.com", tmp_path)
    assert statuses.count(422) == LIMIT, statuses
    assert statuses.count(429) == 2 * ATTEMPTS - LIMIT, statuses


def test_api_key_limit_holds_across_two_processes_for_a_signed_in_account(
    scratch_database, tmp_path
):
    """A signed-in request has read its user before the limit is counted (on SQLite that read
    holds the file's write lock): the count still lands, once, in the shared table."""
    statuses = _two_processes(scratch_database, "", "api-key", tmp_path)
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == 2 * ATTEMPTS - LIMIT, statuses


def test_with_redis_down_the_limit_falls_back_to_the_database_not_to_each_process(
    scratch_database, tmp_path
):
    """Redis configured but not answering: the database holds the counts (no 500s)."""
    statuses = _two_processes(scratch_database, DEAD_REDIS, "redis-down@example.com", tmp_path)
    assert statuses.count(422) == LIMIT, statuses
    assert statuses.count(429) == 2 * ATTEMPTS - LIMIT, statuses


@pytest.mark.redis
def test_with_redis_the_limit_holds_across_two_processes(scratch_database, tmp_path):
    statuses = _two_processes(
        scratch_database, REDIS_URL, f"{uuid.uuid4().hex}@example.com", tmp_path
    )
    assert statuses.count(422) == LIMIT, statuses


# --- each door's own limit, in one process ----------------------------------------------------


def _limited(statuses: list[int], allowed: int) -> bool:
    return 429 not in statuses[:allowed] and statuses[allowed:] == [429] * (len(statuses) - allowed)


def test_registration_is_limited_per_ip(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_IP", "3 per hour")
    statuses = []
    for n in range(5):
        form = {
            "email": f"new{n}@example.com",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "role": "shopper",
            "name": f"New {n}",
        }
        statuses.append(post_form(app.test_client(), "/auth/register", form).status_code)
    assert _limited(statuses, 3), statuses
    assert statuses[0] == 302  # the form is right: the limit, not a field, refuses the 4th
    refused = post_form(app.test_client(), "/auth/register", {"email": "late@example.com"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)


def test_reset_links_are_limited_per_address(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LIMIT", "2 per hour")
    user = make_user("shopper")
    # A fresh client (another IP's worth of cookies) each time: the address is the key.
    statuses = [
        post_form(app.test_client(), "/auth/forgot", {"email": user.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    other = post_form(app.test_client(), "/auth/forgot", {"email": "someone@example.com"})
    assert other.status_code == 302


def test_reset_form_is_limited_per_ip(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_IP", "3 per minute")
    statuses = [
        post_form(
            client, "/auth/reset/not-a-token", {"password": "x" * 12, "confirm": "x" * 12}
        ).status_code
        for _ in range(5)
    ]
    assert _limited(statuses, 3), statuses


def test_api_key_creation_is_limited_per_account(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_KEY_LIMIT", "3 per hour")
    sign_in(client, make_user("brand"))
    statuses = [
        post_form(client, "/settings/api-keys", {"name": f"key {n}"}).status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert client.get("/settings/api-keys").status_code == 200  # the page itself stays open
    other = sign_in(app.test_client(), make_user("brand"))
    assert post_form(other, "/settings/api-keys", {"name": "mine"}).status_code == 200


def test_api_429_is_the_json_envelope_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_LIMIT", "1 per minute")
    note = published_note()
    key = make_api_key(make_user("shopper"))
    url, auth = f"/api/v1/notes/{note.id}/comments", {"Authorization": f"Bearer {key}"}
    assert client.post(url, json={"body": "first"}, headers=auth).status_code == 201
    refused = client.post(url, json={"body": "second"}, headers=auth)
    assert refused.status_code == 429 and refused.is_json
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_long_keys_are_stored_hashed(client, app, monkeypatch):
    """The sign-in key carries the e-mail as typed: a huge one still counts (no storage error
    that would drop the limiter to per-process memory)."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "5 per minute")
    form = {"email": "a" * 5000 + "@example.com", "password": "x" * 9}
    statuses = [post_form(client, "/auth/login", form).status_code for _ in range(6)]
    assert statuses[-1] == 429 and 429 not in statuses[:5]


def test_an_ended_window_restarts_and_ended_rows_are_swept(app):
    """The table stays as small as the live windows: a hit on an ended window starts a new
    one at 1, and a sweep (at most once a minute per process) deletes the ended rows."""
    storage = DatabaseStorage()
    ended = time.time() - 1
    with app.test_request_context():
        db.session.add_all(
            [
                RateLimitCounter(key="ended-a", hits=9, expires_at=ended),
                RateLimitCounter(key="ended-b", hits=9, expires_at=ended),
            ]
        )
        db.session.commit()
        storage._swept_at = time.time()  # no sweep due yet: the UPSERT alone restarts it
        assert storage.incr("ended-a", 60) == 1
        assert 55 < storage.get_expiry("ended-a") - time.time() <= 60
        assert db.session.get(RateLimitCounter, "ended-b") is not None
        storage._swept_at = 0.0  # a sweep is due
        assert storage.incr("live", 60) == 1
        db.session.expire_all()
        assert db.session.get(RateLimitCounter, "ended-b") is None
        assert db.session.get(RateLimitCounter, "ended-a").hits == 1  # live: kept


class _Manager:
    """Flask-Limiter's limit manager, as ``drop_idle_middleware`` reads it."""

    def __init__(self, default_limits=(), application_limits=(), blueprint_limits=()):
        self.default_limits = list(default_limits)
        self.application_limits = list(application_limits)
        self._blueprint = list(blueprint_limits)

    def blueprint_limits(self, app, name):
        return self._blueprint


@pytest.mark.parametrize(
    ("manager", "kept"),
    [
        (_Manager(), False),
        (_Manager(default_limits=["200 per day"]), True),
        (_Manager(application_limits=["1000 per minute"]), True),
        (_Manager(blueprint_limits=["10 per minute"]), True),
    ],
    ids=["no-route-wide-limit", "default", "application", "blueprint"],
)
def test_the_limiters_check_before_every_view_runs_only_when_a_limit_needs_it(manager, kept):
    """Route-wide limits (default, application-wide, per blueprint) are checked before each
    view; with none, that check found nothing on every request and is dropped."""
    from types import SimpleNamespace

    from flask import Blueprint, Flask

    from app.ratelimits import drop_idle_middleware

    probe = Flask(__name__)
    probe.register_blueprint(Blueprint("pages", __name__))

    def check():
        return None

    limiter = SimpleNamespace(limit_manager=manager, _check_request_limit=check)
    probe.before_request(check)
    drop_idle_middleware(probe, limiter)
    assert (check in probe.before_request_funcs[None]) is kept


def test_the_app_sets_no_route_wide_limit_so_views_are_not_checked_beforehand(app):
    """Each limit is a route's own (checked by its decorator when the view runs: the sign-in,
    API, comment and suggestion limits of tests/auth/test_login.py and this module still answer
    429), so no request pays the check before every view."""
    from app.extensions import limiter

    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_an_app_with_rate_limits_turned_off_starts(tmp_path):
    """RATELIMIT_ENABLED=False (`make bench`'s query counts sign in again and again): the
    limiter registers no check then, and there is none to drop."""
    from app import create_app

    quiet = create_app(
        "test", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path),
        RATELIMIT_ENABLED=False,
    )  # fmt: skip
    from app.extensions import limiter

    assert limiter._check_request_limit not in quiet.before_request_funcs.get(None, [])
