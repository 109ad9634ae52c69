"""Events travel through the stream as COPY text rows: any visitor id survives the trip as it
was sent (a NUL, which no text column can hold, is dropped rather than failing the writer's
whole batch), and a row the writer finds already stored by someone else costs a retry, not a
stuck writer."""

import pytest
from sqlalchemy import select, text

from app.analytics import pg_ingest, rollups
from app.analytics.event_rows import decode_rows, encode_rows
from app.analytics.models import TrackingEvent
from app.extensions import db
from tests.analytics.support import event, published_note
from tests.analytics.test_tracking import totals

ODD_VISITORS = ["tab\there", "new\nline", "back\\slash", "cr\rlf", "\\N", "line\u2028sep", "ü" * 64]


def test_odd_visitor_ids_round_trip_through_the_row_format():
    note = published_note()
    events = [event(note, visitor=v, event_id=f"odd-{i}") for i, v in enumerate(ODD_VISITORS)]
    events.append({**event(note, visitor="nul\0byte", event_id="odd-nul"), "uid": 7})
    decoded = decode_rows(encode_rows(events))
    assert [e["v"] for e in decoded] == [*ODD_VISITORS, "nulbyte"]
    assert decoded[-1]["uid"] == 7 and "uid" not in decoded[0]
    assert [e["id"] for e in decoded] == [e["id"] for e in events]


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
