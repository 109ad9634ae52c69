"""Migration 0012 on a database with history, on the database kind the suite runs on: the
dedupe marks (a visitor's last counted view of a note) move onto the visitor-day rows of the
days they were counted, so a view inside the window of a view counted before the upgrade is
still a repeat after it — across midnight too; the downgrade gives the marks back, moved on by
what was counted since."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import select

from app import create_app
from app.analytics import rollups
from app.analytics.models import TrackingEvent, VisitorDay
from app.db_types import TZDateTime
from app.extensions import db
from tests.analytics.support import event, published_note

BEFORE = "0c0b1c2d3e11"
READER, OTHER = "b" * 32, "c" * 32
_marks = sa.table("analytics_view_marks", sa.column("note_id"), sa.column("visitor"),
                  sa.column("counted_at", TZDateTime()))  # fmt: skip
_days = sa.table("analytics_visitor_days", sa.column("day"), sa.column("visitor"),
                 sa.column("note_id"), sa.column("campaign_id"), sa.column("kol_id"))  # fmt: skip


def test_marks_move_onto_their_visitor_days_and_still_dedupe(history_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=history_url, UPLOAD_DIR=str(tmp_path))
    midnight = datetime.combine(datetime.now(UTC).date() - timedelta(days=1),
                                datetime.min.time(), UTC)  # fmt: skip
    before_midnight = midnight - timedelta(minutes=10)  # 23:50 the day before
    with fresh.app_context():
        # The factories write today's schema: make the note there, then go back to before.
        upgrade()
        note = published_note()
        plain = SimpleNamespace(id=note.id, contract_id=note.contract_id,
                                campaign_id=note.campaign_id, kol_id=note.kol_id)  # fmt: skip
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        # As the old writer left it: READER first read the note at 20:00 the day before, and
        # was last counted at 23:50; OTHER was counted at noon two days before.
        for visitor, counted in ((READER, before_midnight),
                                 (OTHER, midnight - timedelta(hours=36))):  # fmt: skip
            db.session.execute(_days.insert().values(
                day=counted.date(), visitor=visitor, note_id=plain.id,
                campaign_id=plain.campaign_id, kol_id=plain.kol_id))  # fmt: skip
            db.session.execute(
                _marks.insert().values(note_id=plain.id, visitor=visitor, counted_at=counted)
            )
        db.session.commit()
        db.session.remove()

        upgrade()
        assert not sa.inspect(db.engine).has_table("analytics_view_marks")
        stored = {(d.visitor, d.day): d.counted_at for d in db.session.scalars(select(VisitorDay))}
        assert stored == {
            (READER, before_midnight.date()): before_midnight,
            (OTHER, (midnight - timedelta(hours=36)).date()): midnight - timedelta(hours=36),
        }
        # After midnight, 20 minutes after the mark: a repeat; 30 minutes after it: counted,
        # and a new visitor of the new day.
        repeat = event(plain, visitor=READER, at=(midnight + timedelta(minutes=10)).timestamp(),
                       event_id="repeat")  # fmt: skip
        counted = event(plain, visitor=READER, at=(midnight + timedelta(minutes=20)).timestamp(),
                        event_id="counted")  # fmt: skip
        assert rollups.ingest_events([repeat]) == 1
        assert rollups.ingest_events([counted]) == 1
        db.session.commit()
        flags = db.session.execute(
            select(TrackingEvent.event_id, TrackingEvent.counted, TrackingEvent.new_visitor_today)
        ).all()
        assert {e: (c, n) for e, c, n in flags} == {
            "repeat": (False, False), "counted": (True, True)
        }  # fmt: skip
        db.session.remove()

        downgrade(revision=BEFORE)
        marks = db.session.execute(sa.select(_marks.c.visitor, _marks.c.counted_at)).all()
        assert dict(marks) == {
            READER: midnight + timedelta(minutes=20),
            OTHER: midnight - timedelta(hours=36),
        }
        assert "counted_at" not in {
            c["name"]
            for c in sa.inspect(db.session.connection()).get_columns("analytics_visitor_days")
        }
        db.session.remove()
