"""Migration 0011 on a database with history, on the database kind the suite runs on (a fresh
SQLite file, or a scratch PostgreSQL database): the note, campaign and KOL visitor-days become one
table whose rows carry the note's campaign and KOL, so a visitor counted before the upgrade is
not counted again after it, for the note, the campaign or the KOL; the downgrade gives the three
tables back with the same visitor-days. On PostgreSQL visitors and event ids compare bytes."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app import create_app
from app.analytics import rollups
from app.extensions import db
from tests.analytics.support import event, published_note
from tests.conftest import on_postgres
from tests.factories import make_kol

BEFORE = "0b0a1c2d3e10"
READER, NEWCOMER = "b" * 32, "e" * 32
_days = {
    "note": sa.table(
        "analytics_visitor_days", sa.column("day"), sa.column("note_id"), sa.column("visitor")
    ),
    "campaign": sa.table(
        "analytics_campaign_visitor_days",
        sa.column("day"),
        sa.column("campaign_id"),
        sa.column("visitor"),
    ),
    "kol": sa.table(
        "analytics_kol_visitor_days", sa.column("day"), sa.column("kol_id"), sa.column("visitor")
    ),
}


def _plain(note) -> SimpleNamespace:
    return SimpleNamespace(id=note.id, contract_id=note.contract_id,
                           campaign_id=note.campaign_id, kol_id=note.kol_id)  # fmt: skip


def _rows(table: str, *columns: str) -> set[tuple]:
    sql = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - the test's own names
    return {tuple(r) for r in db.session.execute(sa.text(sql))}


def _collation(table: str, column: str) -> str | None:
    return db.session.scalar(
        sa.text(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = :table AND column_name = :column"
        ),
        {"table": table, "column": column},
    )


def test_visitor_days_of_notes_campaigns_and_kols_become_one_table(history_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=history_url, UPLOAD_DIR=str(tmp_path))
    with fresh.app_context():
        # The factories write today's schema: make the notes there, then go back to before.
        upgrade()
        kol = make_kol(verified=True)
        # Two notes in two campaigns, as plain values (the session is closed for the upgrade).
        notes = [_plain(published_note(kol=kol)), _plain(published_note(kol=kol))]
        kol = SimpleNamespace(id=kol.id)
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        # Yesterday at noon, before the upgrade, READER read both notes: as the old writer
        # recorded it, a visitor-day per note, per campaign and one for the KOL.
        noon = datetime.combine(datetime.now(UTC).date() - timedelta(days=1),
                                datetime.min.time(), UTC) + timedelta(hours=12)  # fmt: skip
        day = noon.date()
        for note in notes:
            db.session.execute(_days["note"].insert().values(day=day, note_id=note.id,
                                                             visitor=READER))  # fmt: skip
            db.session.execute(_days["campaign"].insert().values(
                day=day, campaign_id=note.campaign_id, visitor=READER))  # fmt: skip
        db.session.execute(_days["kol"].insert().values(day=day, kol_id=kol.id, visitor=READER))
        db.session.commit()
        db.session.remove()

        upgrade()
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("analytics_campaign_visitor_days")
        assert not inspector.has_table("analytics_kol_visitor_days")
        merged = _rows("analytics_visitor_days", "day", "visitor", "note_id", "campaign_id",
                       "kol_id")  # fmt: skip
        assert {(str(d), v, n, c, k) for d, v, n, c, k in merged} == {
            (str(day), READER, n.id, n.campaign_id, kol.id) for n in notes
        }
        if on_postgres():
            assert _collation("analytics_events", "visitor") == "C"
            assert _collation("analytics_events", "event_id") == "C"
            assert _collation("analytics_visitor_days", "visitor") == "C"
        # The same day, after the upgrade: READER again on one note (an hour later, outside the
        # dedupe window, no mark stored): a view, but no new visitor for the note, its campaign
        # or the KOL; a newcomer is new to all three.
        later = (noon + timedelta(hours=1)).timestamp()
        assert (
            rollups.ingest_events(
                [
                    event(notes[0], visitor=READER, at=later),
                    event(notes[0], visitor=NEWCOMER, at=later),
                ]
            )
            == 2
        )
        db.session.commit()
        flags = db.session.execute(
            sa.text(
                "SELECT visitor, counted, new_visitor_today, new_campaign_visitor_today, "
                "new_kol_visitor_today FROM analytics_events ORDER BY visitor"
            )
        ).all()
        assert [tuple(f) for f in flags] == [
            (READER, True, False, False, False), (NEWCOMER, True, True, True, True)
        ]  # fmt: skip
        db.session.remove()

        downgrade(revision=BEFORE)
        assert _rows("analytics_visitor_days", "note_id", "visitor") == {
            (notes[0].id, READER),
            (notes[1].id, READER),
            (notes[0].id, NEWCOMER),
        }
        assert _rows("analytics_campaign_visitor_days", "campaign_id", "visitor") == {
            (notes[0].campaign_id, READER), (notes[1].campaign_id, READER),
            (notes[0].campaign_id, NEWCOMER),
        }  # fmt: skip
        assert _rows("analytics_kol_visitor_days", "kol_id", "visitor") == {
            (kol.id, READER),
            (kol.id, NEWCOMER),
        }
        if on_postgres():
            assert _collation("analytics_events", "visitor") is None  # the database's own
        db.session.remove()
