"""Events travel through the stream as COPY text rows: any visitor id survives the trip as it
was sent (a NUL, which no text column can hold, is dropped rather than failing the writer's
whole batch), and a row the writer finds already stored by someone else costs a retry, not a
stuck writer."""

import pytest
from sqlalchemy import select, text

from app.analytics import pg_ingest, rollups
from app.analytics.event_rows import decode_rows, encode_row, encode_rows, hit_row, note_columns
from app.analytics.models import TrackingEvent
from app.extensions import db
from tests.analytics.support import event, published_note, totals

ODD_VISITORS = ["tab\there", "new\nline", "back\\slash", "cr\rlf", "\\N", "line\u2028sep", "ü" * 64]


def test_odd_visitor_ids_round_trip_through_the_row_format():
    note = published_note()
    events = [event(note, visitor=v, event_id=f"odd-{i}") for i, v in enumerate(ODD_VISITORS)]
    events.append({**event(note, visitor="nul\0byte", event_id="odd-nul"), "uid": 7})
    decoded = decode_rows(encode_rows(events))
    assert [e["v"] for e in decoded] == [*ODD_VISITORS, "nulbyte"]
    assert decoded[-1]["uid"] == 7 and "uid" not in decoded[0]
    assert [e["id"] for e in decoded] == [e["id"] for e in events]


@pytest.mark.parametrize("bot", [False, True])
def test_a_batch_hit_row_is_the_row_of_its_event(bot):
    """The batch endpoint builds its rows from shared parts (the batch's time, the note's
    columns): byte for byte the rows the single-hit path encodes, odd visitors included."""
    note = published_note()
    for i, visitor in enumerate(ODD_VISITORS):
        hit = {**event(note, visitor=visitor, event_id=f"b:odd-{i}", bot=bot), "t": 1764169200.25}
        built = hit_row(hit["id"], hit["k"], repr(hit["t"]), note_columns(
            note.id, note.contract_id, note.campaign_id, note.kol_id), visitor, bot)  # fmt: skip
        assert built == encode_row(hit)
        assert decode_rows(built.encode())[0]["v"] == visitor


def test_odd_visitor_ids_are_stored_as_sent():
    note = published_note()
    events = [event(note, visitor=v, event_id=f"odd-{i}") for i, v in enumerate(ODD_VISITORS)]
    assert rollups.ingest_rows(encode_rows(events)) == len(ODD_VISITORS)
    stored = db.session.scalars(select(TrackingEvent.visitor).order_by(TrackingEvent.event_id))
    assert list(stored) == ODD_VISITORS
    assert totals(note.id)["uniques"] == len(ODD_VISITORS)


@pytest.mark.postgres
def test_a_row_stored_meanwhile_by_another_writer_costs_a_retry(monkeypatch):
    """Under the writer lock the missing rows are inserted without ON CONFLICT; a conflict
    anyway (a writer that skipped the lock) reruns the chunk with ON CONFLICT throughout."""
    note = published_note()
    conflicting = (
        "WITH x AS (INSERT INTO analytics_visitor_days VALUES ('2020-01-01', 'v', 1, 1, 1), "
        "('2020-01-01', 'v', 1, 1, 1)) SELECT 0"
    )
    monkeypatch.setattr(pg_ingest, "_PLAIN", conflicting)
    batch = [event(note, visitor=f"{i:032x}") for i in range(3)]
    assert rollups.ingest_events(batch) == 3
    assert totals(note.id) == {"views": 3, "uniques": 3, "clicks": 0, "bot_views": 0}
    assert db.session.scalar(text("SELECT count(*) FROM analytics_visitor_days")) == 3


@pytest.mark.postgres
def test_the_staging_table_holds_one_chunk_and_is_empty_after_the_commit(committing_app):
    """Two chunks in one transaction are each counted once (the second does not see the
    first's rows again), and the commit empties the staging table, which the session keeps."""
    with committing_app.app_context():
        # One connection throughout: the staging table is the session's (the connection's).
        engines = db._app_engines[committing_app]
        engine = engines[None]
        engines[None] = connection = engine.connect()
        db.session.remove()
        try:
            note = published_note()
            first = [event(note, visitor=f"{i:032x}") for i in range(3)]
            second = [event(note, visitor=f"{i + 10:032x}") for i in range(2)]
            assert rollups.ingest_rows(encode_rows(first)) == 3
            assert rollups.ingest_rows(encode_rows(second)) == 2
            assert db.session.scalar(text("SELECT count(*) FROM analytics_stage")) == 2
            db.session.commit()
            assert db.session.scalar(text("SELECT count(*) FROM analytics_stage")) == 0
            assert totals(note.id)["views"] == 5
        finally:
            db.session.remove()
            engines[None] = engine
            connection.close()


@pytest.mark.postgres
def test_the_writer_statement_is_planned_for_each_chunk():
    """The driver prepares statements it runs often; a plan cached for small drains would be
    reused for a 20,000-event chunk (it ran for a minute in `make bench`): every chunk is
    planned for its own size."""
    note = published_note()
    for i in range(7):  # past the driver's prepare threshold (5)
        rollups.ingest_rows(encode_rows([event(note, visitor=f"{i:032x}")]))
    assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    assert totals(note.id)["views"] == 7


@pytest.mark.postgres
def test_each_event_id_is_one_key_probe_whatever_the_statistics_say():
    """The writer's dedupe reads analytics_event_ids by key, one probe per staged event. With
    statistics that make the table look small next to the chunk (they are stale between
    ANALYZEs: autovacuum off, or a table that grew since), a plain join was planned as a hash
    join over every stored id: ~270 ms of a 1 s chunk at 600,000 ids in `make bench`."""
    db.session.execute(
        text(
            "INSERT INTO analytics_event_ids (event_id, stored_at) "
            "SELECT 'stored-' || i, now() FROM generate_series(1, 20000) i"
        )
    )
    db.session.execute(text("ANALYZE analytics_event_ids"))
    note = published_note()
    rows = encode_rows([event(note, visitor=f"{i:032x}", event_id=f"new-{i}") for i in range(5000)])
    db.session.execute(text(pg_ingest._PREPARE))
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(pg_ingest._COPY) as copy:
        copy.write(rows)
    db.session.execute(text("ANALYZE analytics_stage"))
    window = rollups._window()
    params = {"window": window, "gap": window}
    plan = "\n".join(db.session.execute(text("EXPLAIN " + pg_ingest._PLAIN), params).scalars())
    assert "Index Only Scan using pk_analytics_event_ids" in plan
    assert "Seq Scan on analytics_event_ids" not in plan
