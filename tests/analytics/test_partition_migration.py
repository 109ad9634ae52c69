"""Migration 0032 on a database with events of two months, on the database kind the suite runs
on: the rows move into the new table (on PostgreSQL into their months' partitions), their ids
into the dedupe keys, so a replay of a migrated event is still a no-op; the downgrade gives a
plain table with a unique event id back, every row in it."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import select, text

from app import create_app
from app.analytics import partitions, rollups
from app.analytics.models import EventId, TrackingEvent
from app.db_types import TZDateTime
from app.extensions import db
from tests.analytics.support import event, published_note, totals

BEFORE = "23501c2d3e30"
_old_events = sa.table(
    "analytics_events", sa.column("event_id"), sa.column("kind"),
    sa.column("occurred_at", TZDateTime()), sa.column("note_id"), sa.column("contract_id"),
    sa.column("campaign_id"), sa.column("visitor"), sa.column("is_bot"), sa.column("counted"),
    sa.column("new_visitor_today"), sa.column("new_campaign_visitor_today"),
    sa.column("new_kol_visitor_today"),
)  # fmt: skip


def test_events_of_two_months_move_into_the_partitioned_table_and_back(history_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=history_url, UPLOAD_DIR=str(tmp_path))
    now = datetime.now(UTC).replace(microsecond=0)
    last_month = now - timedelta(days=40)
    with fresh.app_context():
        upgrade()  # the factories write today's schema: make the note there, then go back
        note = published_note()
        plain = SimpleNamespace(id=note.id, contract_id=note.contract_id,
                                campaign_id=note.campaign_id, kol_id=note.kol_id)  # fmt: skip
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        stored = {"b:last-month": last_month, "b:this-month": now, "b:also-now": now}
        for n, (event_id, at) in enumerate(stored.items()):
            db.session.execute(_old_events.insert().values(
                event_id=event_id, kind="view", occurred_at=at, note_id=plain.id,
                contract_id=plain.contract_id, campaign_id=plain.campaign_id,
                visitor=f"{n:032x}", is_bot=False, counted=True, new_visitor_today=True,
                new_campaign_visitor_today=True, new_kol_visitor_today=True,
            ))  # fmt: skip
        db.session.commit()
        db.session.remove()

        upgrade()
        rows = db.session.execute(select(TrackingEvent.event_id, TrackingEvent.occurred_at))
        assert {e: t.astimezone(UTC) for e, t in rows} == stored
        assert set(db.session.scalars(select(EventId.event_id))) == set(stored)
        if db.engine.dialect.name == "postgresql":
            where = dict(db.session.execute(text(
                "SELECT event_id, tableoid::regclass::text FROM analytics_events")).all())  # fmt: skip
            assert where == {
                "b:last-month": partitions.partition_name(partitions.month_of(last_month)),
                "b:this-month": partitions.partition_name(partitions.month_of(now)),
                "b:also-now": partitions.partition_name(partitions.month_of(now)),
            }
            months = partitions.month_partitions()
            ahead = partitions.next_month(partitions.next_month(partitions.month_of(now)))
            assert partitions.month_of(last_month) in months and ahead in months
        # A replay of a migrated event, with a time of its own, stores nothing.
        replay = event(plain, at=now.timestamp() + 5, visitor=f"{0:032x}", event_id="b:last-month")
        assert rollups.ingest_events([replay]) == 0
        assert totals(plain.id)["views"] == 0  # (the rows inserted by hand had no rollups)
        db.session.commit()
        db.session.remove()

        downgrade(revision=BEFORE)
        back = db.session.execute(
            sa.select(_old_events.c.event_id, _old_events.c.occurred_at)
        ).all()
        assert {e: t.astimezone(UTC) for e, t in back} == stored
        inspector = sa.inspect(db.session.connection())
        assert not inspector.has_table("analytics_event_ids")
        assert "id" in {c["name"] for c in inspector.get_columns("analytics_events")}
        unique = inspector.get_unique_constraints("analytics_events")
        assert [u["column_names"] for u in unique] == [["event_id"]]
        db.session.remove()
        upgrade()  # and up again, from the downgraded table
        assert db.session.scalar(select(sa.func.count()).select_from(TrackingEvent)) == 3
        db.session.remove()
