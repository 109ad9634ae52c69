import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import redis as app_redis
from tests.conftest import DATABASE_URL, on_postgres


@pytest.fixture(autouse=True)
def _direct_buffer(app, monkeypatch):
    """Analytics tests write straight to the database unless a test opts into Redis."""
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")
    monkeypatch.setitem(app.config, "ANALYTICS_BATCH_SECRET", "edge-secret")
    monkeypatch.setattr(app_redis, "_down_until", 0.0)  # no Redis failure of an earlier test
    # Each test's transaction is one shared connection: the writer stores a chunk in this
    # session (tests/analytics/test_writer_sessions.py covers two sessions side by side).
    monkeypatch.setitem(app.config, "ANALYTICS_WRITER_SESSIONS", 1)


def _admin(sql: str) -> None:
    engine = sa.create_engine(
        make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(sql))
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
