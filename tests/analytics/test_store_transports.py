"""The ClickHouse store's two transports run the same statements: what the server transport
(clickhouse-connect, production) sends is exactly what the chdb transport (tests, CI) executes,
parameters turned to text the same way, insert data byte for byte. The client here records what
clickhouse-connect would be asked to send and answers from chdb."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from clickhouse_connect.driver.binding import format_bind_value

from app.analytics.event_rows import encode_rows
from app.analytics.store import Scope
from app.analytics.store.clickhouse import ClickHouseStore
from app.analytics.store.clickhouse_sql import TABLES
from app.analytics.store.transports import ServerTransport, insert_statement

WHEN = (datetime.now(UTC) - timedelta(hours=5)).timestamp()


class RecordingClient:
    """clickhouse-connect's Client as the store calls it: records each request, runs it on
    chdb (unrecorded) so the store gets real answers."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _note(self, kind, sql, parameters, data=None):
        text = {k: format_bind_value(v) for k, v in (parameters or {}).items()}
        self.sent.append((kind, sql, text, data))

    def command(self, sql, parameters=None):
        self._note("command", sql, parameters)
        self.engine.command(sql, parameters)

    def query(self, sql, parameters=None):
        self._note("rows", sql, parameters)
        return SimpleNamespace(result_rows=[tuple(r) for r in self.engine.rows(sql, parameters)])

    def raw_insert(self, table, column_names, insert_block=None, fmt=None):
        assert fmt == "TabSeparated"
        self._note("insert", insert_statement(table, tuple(column_names)), None, insert_block)
        self.engine.insert(table, tuple(column_names), insert_block)


def _traffic(store) -> dict:
    note = {"n": 7, "c": 8, "p": 9, "u": 10}
    events = [
        {"id": f"e{i}", "k": "view", "t": WHEN + 60 * i, "v": f"visitor-'{i % 3}\\", "b": 0,
         **note} for i in range(12)
    ] + [{"id": "c1", "k": "click", "t": WHEN, "v": "x", "b": 1, "uid": 5, **note}]  # fmt: skip
    events[0]["uid"] = 6  # a signed-in reader
    store.ingest_rows(encode_rows(events))
    store.ingest_rows(encode_rows(events[:4]))  # a replay
    day = datetime.fromtimestamp(WHEN, UTC).date()
    return {
        "figures": store.figures(Scope("campaign", 9), day, day),
        "daily": store.daily(Scope("kol", 10), day, day),
        "clicks": store.clicks(["c1", "e1"]),
        "raw": store.raw_events(Scope("note", 7)),
        "note_hours": store.note_hours(
            datetime.fromtimestamp(WHEN - 3600, UTC), datetime.fromtimestamp(WHEN + 7200, UTC)
        ),
        "signed_in_views": store.signed_in_views(),
    }


def test_the_server_transport_sends_what_chdb_executes(clickhouse_store, chdb_transport):
    chdb_transport.executed = []
    on_chdb = _traffic(ClickHouseStore(chdb_transport, window_minutes=30, retention_days=90))
    executed, chdb_transport.executed = chdb_transport.executed, None
    for table in TABLES:
        chdb_transport.command(f"TRUNCATE TABLE kol_analytics.{table}")

    client = RecordingClient(chdb_transport)
    server = ClickHouseStore(ServerTransport(client=client), window_minutes=30, retention_days=90)
    on_server = _traffic(server)
    store_fresh = server.staging["STORE_FRESH"]

    assert client.sent == executed
    # each batch goes in as the stream carries it; the replay stores no event
    assert [kind for kind, *_ in executed].count("insert") == 2
    assert [sql for _kind, sql, *_ in executed].count(store_fresh) == 1
    assert on_server == on_chdb
    assert on_chdb["figures"]["views"] == 3  # three visitors; their later views are repeats
    assert on_chdb["clicks"] == {"c1": {"is_bot": True, "user_id": 5, "note_id": 7}}
    assert sum(h["views"] for h in on_chdb["note_hours"][7].values()) == 3
    assert [(u, n) for u, n, _at in on_chdb["signed_in_views"]] == [(6, 7)]


def test_two_writer_processes_never_share_a_staging_table(
    clickhouse_store, chdb_transport, monkeypatch
):
    """The batch waits in a staging table between statements: each writer process (host and
    pid) has its own, so a second writer cannot empty or add to the first one's batch."""
    from app.analytics.store import clickhouse_sql

    writers = []
    for pid in (101, 202):
        monkeypatch.setattr(clickhouse_sql.os, "getpid", lambda pid=pid: pid)
        writer = ClickHouseStore(chdb_transport, window_minutes=30, retention_days=90)
        writer.ingest_rows(encode_rows([{"id": f"w{pid}", "k": "view", "t": WHEN, "v": "v",
                                         "b": 0, "n": 7, "c": 8, "p": 9, "u": 10}]))  # fmt: skip
        writers.append(writer)
    assert writers[0].staging["incoming"] != writers[1].staging["incoming"]
    assert writers[0].staging["incoming"].endswith("_101")
    assert clickhouse_store.raw_events(Scope("note", 7)) == 2


def _parts_read(transport, statement: str, params: dict) -> tuple[int, int]:
    """(parts left, parts of the table) after the min-max index of the time column, the first
    index in the engine's plan of ``statement`` (EXPLAIN indexes = 1): the parts whose other
    indexes (the sort key, the event ids' bloom filter) are then read at all."""
    plan = [row[0].strip() for row in transport.rows("EXPLAIN indexes = 1 " + statement, params)]
    first = next(line for line in plan if line.startswith("Parts: ") and "/" in line)
    read, total = first.removeprefix("Parts: ").split("/")
    return int(read), int(total)


def test_a_click_looked_up_by_id_reads_only_the_parts_of_its_time(app, clickhouse_store):
    """On ClickHouse too a click id's time and note bound the read (the parts of other months
    are skipped by their min-max index); for an id carrying no time every part's indexes are
    read."""
    from app.analytics.store import click_groups
    from app.analytics.store.clickhouse import micros
    from app.analytics.store.clickhouse_sql import CLICKS, CLICKS_OF_NOTE
    from app.analytics.tracking import new_click_id

    now = datetime.now(UTC)
    clicks = []
    for days in (0, 40, 80):  # three months, one insert (one part at least) each
        at = (now - timedelta(days=days)).timestamp()
        clicks.append(new_click_id(7, at))
        clickhouse_store.ingest_rows(encode_rows([
            {"id": clicks[-1], "k": "click", "t": at, "n": 7, "c": 8, "p": 9, "u": 10, "v": "v",
             "b": 0},
        ]))  # fmt: skip
    (group,) = click_groups([clicks[-1]])
    bounded = {"note": group.note_id, "since": micros(group.since), "until": micros(group.until),
               "ids": list(group.ids)}  # fmt: skip
    read, total = _parts_read(clickhouse_store.transport, CLICKS_OF_NOTE, bounded)
    assert total >= 3 and read < total
    assert _parts_read(clickhouse_store.transport, CLICKS, {"ids": list(group.ids)}) == (
        total,
        total,
    )
    assert set(clickhouse_store.clicks(clicks)) == set(clicks)
