import pytest

from app import redis as app_redis


@pytest.fixture(autouse=True)
def _direct_buffer(app, monkeypatch):
    """Analytics tests write straight to the database unless a test opts into Redis."""
    monkeypatch.setitem(app.config, "ANALYTICS_BUFFER", "direct")
    monkeypatch.setitem(app.config, "ANALYTICS_BATCH_SECRET", "edge-secret")
    monkeypatch.setattr(app_redis, "_down_until", 0.0)  # no Redis failure of an earlier test
    # Each test's transaction is one shared connection: the writer stores a chunk in this
    # session (tests/analytics/test_writer_sessions.py covers two sessions side by side).
    monkeypatch.setitem(app.config, "ANALYTICS_WRITER_SESSIONS", 1)


@pytest.fixture(scope="session")
def chdb_transport(tmp_path_factory):
    """ClickHouse in this process (chdb), one data directory per test run: chdb lets a process
    open one directory, so every test of the ClickHouse store shares it (``clickhouse_store``
    empties the tables first)."""
    pytest.importorskip("chdb")
    from app.analytics.store.transports import ChdbTransport

    transport = ChdbTransport(str(tmp_path_factory.mktemp("chdb")))
    yield transport
    transport.close()


def _empty(transport) -> None:
    from app.analytics.store.clickhouse import ClickHouseStore
    from app.analytics.store.clickhouse_sql import TABLES

    ClickHouseStore(transport, window_minutes=30, retention_days=90)  # the tables, if missing
    for table in TABLES:
        transport.command(f"TRUNCATE TABLE kol_analytics.{table}")


@pytest.fixture
def clickhouse_store(app, chdb_transport):
    """A ClickHouse store on chdb with empty tables, with the app's dedupe window."""
    from app.analytics.store.clickhouse import ClickHouseStore

    _empty(chdb_transport)
    chdb_transport.executed = None
    return ClickHouseStore(
        chdb_transport,
        window_minutes=app.config["ANALYTICS_DEDUPE_MINUTES"],
        retention_days=app.config["ANALYTICS_RETENTION_DAYS"],
    )
