"""Test fixtures: one app per session on DATABASE_URL (or a SQLite file), migrated from empty
by Alembic; each test runs in its own transaction, rolled back at the end."""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db, limiter

DATABASE_URL = os.environ.get("DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
ON_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (row locks, real concurrency)")
    config.addinivalue_line("markers", "redis: needs a running Redis")
    config.addinivalue_line(
        "markers", "soak: long-running (idle waits of minutes); runs only under SOAK=1 (make soak)"
    )
    config.addinivalue_line(
        "markers",
        "once: a database-agnostic suite (browser journeys, XSS, form fuzz, the demo's own"
        " SQLite) run on the SQLite pass only, so CI's two passes fit its time budget",
    )
    config.addinivalue_line(
        "markers",
        "once_pg: a database-agnostic suite (SQL-injection probes, API fuzz, access matrix) run"
        " on the PostgreSQL pass only when CI runs both passes (CI=true); any other run keeps it"
        " (the two passes of CI take about as long)",
    )


def _check_services() -> list[str]:
    missing = []
    if DATABASE_URL:
        try:
            with create_engine(DATABASE_URL).connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            missing.append(f"database {DATABASE_URL}: {error}")
    if REDIS_URL:
        from redis import Redis

        try:
            Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except Exception as error:
            missing.append(f"redis {REDIS_URL}: {error}")
    return missing


def pytest_sessionstart(session):
    missing = _check_services()
    if missing:
        # A configured service that does not answer fails the run: it is never a skip.
        pytest.exit("configured services are not answering:\n  " + "\n  ".join(missing), 3)


def on_postgres() -> bool:
    return bool(DATABASE_URL and DATABASE_URL.startswith("postgresql"))


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only and Redis-only tests are deselected (not skipped) on the SQLite run;
    `once` suites are deselected on the PostgreSQL run and, in CI (both passes), `once_pg`
    suites on the SQLite run (so each test runs at least once); `soak` tests run only under
    SOAK=1 (`make soak`)."""
    soak = bool(os.environ.get("SOAK"))
    keep, drop = [], []
    for item in items:
        needs_pg = item.get_closest_marker("postgres") and not on_postgres()
        needs_redis = item.get_closest_marker("redis") and not REDIS_URL
        ran_elsewhere = (item.get_closest_marker("once") and on_postgres()) or (
            item.get_closest_marker("once_pg") and ON_CI and not on_postgres()
        )
        too_long = item.get_closest_marker("soak") and not soak
        (drop if needs_pg or needs_redis or ran_elsewhere or too_long else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (fresh ``g``, its own session), as in production,
    even though the test itself holds one open."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # streamed responses finish inside the context
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    url = DATABASE_URL or f"sqlite:///{tmp / 'test.sqlite3'}"
    _reset_database(url)
    application = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        REDIS_URL=REDIS_URL,
        UPLOAD_DIR=str(tmp / "uploads"),
        SERVER_NAME="localhost",
    )
    from flask_migrate import upgrade

    application.test_client_class = FreshContextClient
    with application.app_context():
        upgrade()  # the schema comes from the migrations, never from create_all()
    return application


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test in a transaction that is rolled back; app commits release savepoints."""
    if "committing_app" in request.fixturenames:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        engines = db._app_engines[app]
        real_engine = engines[None]
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            limiter.reset()  # inside: if it fails, the engine is still put back
            yield
        finally:
            db.session.remove()
            engines[None] = real_engine
            outer.rollback()
            connection.close()


@pytest.fixture(scope="session")
def _stripe_recorder():
    from app.payments.emulator.observers import OBSERVERS
    from tests.stripe_recorder import StripeTrafficRecorder

    recorder = StripeTrafficRecorder()
    OBSERVERS.append(recorder)
    yield recorder
    OBSERVERS.remove(recorder)


@pytest.fixture(autouse=True)
def _stripe_shapes(_stripe_recorder):
    """Every request, response and event that passed through the Stripe emulator in this test
    has Stripe's published shape (tests/stripe_shapes.py, from the stripe package's types)."""
    from tests.stripe_recorder import report

    _stripe_recorder.clear()
    yield
    problems = _stripe_recorder.problems()
    _stripe_recorder.clear()
    if problems:
        pytest.fail(report(problems), pytrace=False)


@pytest.fixture
def committing_app(app):
    """For concurrency tests (PostgreSQL): real commits visible to other threads and
    connections, no surrounding transaction; every table is emptied afterwards."""
    yield app
    with app.app_context():
        db.session.remove()
        if on_postgres():
            # Only the tables the test wrote to: a TRUNCATE makes new files for each table and
            # index it names (0.5 s for all 80 tables, most of them still empty).
            names = [t.name for t in db.metadata.sorted_tables]
            probe = " UNION ALL ".join(f"(SELECT '{n}' FROM {n} LIMIT 1)" for n in names)  # noqa: S608
            used = db.session.execute(text(probe)).scalars().all()
            if used:
                db.session.execute(text(f"TRUNCATE {', '.join(used)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        limiter.reset()  # as each rolled-back test starts: no sign-in counts carried over


@pytest.fixture(scope="session")
def demo_seed(tmp_path_factory):
    """`make run`'s data, made once per run: a SQLite file migrated and seeded by the CLI
    (`flask db upgrade`, `flask seed`), its uploads, and what the seed printed. Tests take
    their own copy with ``copy_demo`` (seeding costs seconds; every user of it did it again)."""
    import shutil

    tmp = tmp_path_factory.mktemp("demo_seed")
    url = f"sqlite:///{tmp / 'kol.sqlite3'}"
    seeder = create_app(
        "test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp / "up"), REDIS_URL=None
    )
    with seeder.app_context():
        runner = seeder.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()

    def copy_demo(into):
        """A private copy in the directory ``into``: (database URL, upload dir, seed output)."""
        shutil.copy(tmp / "kol.sqlite3", into / "kol.sqlite3")
        shutil.copytree(tmp / "up", into / "up")
        return f"sqlite:///{into / 'kol.sqlite3'}", str(into / "up"), result.output

    return copy_demo


@pytest.fixture
def cache_on(app):
    """The page cache (app/pagecache.py) is off in tests unless a test turns it on: the tests
    share one process and one in-process store."""
    from app import pagecache

    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    yield
    app.config.pop("PAGE_CACHE")
    pagecache._store.clear()


@pytest.fixture
def shared_versions(app, cache_on, monkeypatch):
    """Viewer versions, kept pages and figures' stamps in the real Redis, as in production (tests otherwise keep them per
    process): a cache hit is then served without loading the account."""
    from redis import Redis

    from app import pagecache

    client = Redis.from_url(app.config["REDIS_URL"])
    monkeypatch.setattr(pagecache, "_redis", lambda config=None: client)
    yield client
    # What these tests' commits left there: ids are reused after the rollback, so a leftover
    # "account changed" mark would void a later test's kept API key.
    for pattern in ("pagecache:*", "apikeys:*", "apikey:*", "figures:*"):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def kept_keys(app, monkeypatch):
    """Redis kept copies as in production (pages, API keys), which tests otherwise leave off;
    what the test kept is deleted afterwards."""
    from redis import Redis

    from app import pagecache

    client = Redis.from_url(app.config["REDIS_URL"])
    monkeypatch.setattr(pagecache, "_redis", lambda config=None: client)
    yield client
    for pattern in ("apikey:*", "apikeys:*", "pagecache:*"):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, page: str = "/auth/login") -> str:
    html = client.get(page, follow_redirects=True).get_data(as_text=True)  # "/" → a shopper's feed
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token the page's form carries."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, page or url)
    return client.post(url, data=payload, **kwargs)


def login(client, email: str, password: str):
    return post_form(client, "/auth/login", {"email": email, "password": password})


def sign_in(client, user):
    """Sign `user` (a User or its id, made with the factories' password) in on `client` through
    the login form; returns the client."""
    from app.auth.models import User
    from tests.factories import PASSWORD

    if isinstance(user, int):
        user = db.session.get(User, user)
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302, f"{user.email} could not sign in"
    return client


def signed_in(app, user):
    """A fresh browser (test client) with `user` signed in."""
    return sign_in(app.test_client(), user)


def _admin(sql: str) -> None:
    engine = create_engine(
        make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def history_url(tmp_path):
    """An empty database of the suite's kind, for one migration test alone."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
        return
    url = make_url(DATABASE_URL)
    name = f"{url.database}_migration"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
