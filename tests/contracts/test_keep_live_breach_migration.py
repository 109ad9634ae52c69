"""Migration 0015: a keep-live breach recorded before it (only as a history row's text) becomes
the typed fact the keep-live release reads, so an old breach still refunds the brand."""

from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.status import StatusChange
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

BEFORE = "0f0e1c2d3e14"


def test_upgrade_backfills_the_breach_from_history_and_downgrade_removes_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'breach.sqlite3'}"
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path))
    runner = fresh.test_cli_runner()
    with fresh.app_context():  # the CLI would otherwise use the suite's app context
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        brand, kol = make_user("brand"), make_kol(verified=True)
        breached = make_contract(make_bid(make_campaign(brand), kol))
        kept = make_contract(make_bid(make_campaign(brand), make_kol(verified=True)))
        db.session.add(
            StatusChange(
                entity="contract",
                entity_id=breached.id,
                from_status="released",
                to_status="released",
                reason="keep-live breach",
            )
        )
        db.session.commit()
        ids = breached.id, kept.id
        db.session.remove()  # SQLite: free the file for the migration's table copy
        result = runner.invoke(args=["db", "downgrade", BEFORE])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        rows = dict(
            db.session.execute(
                text("SELECT id, keep_live_breached_at FROM contracts WHERE id IN (:a, :b)"),
                {"a": ids[0], "b": ids[1]},
            ).all()
        )
        assert rows[ids[0]] is not None and rows[ids[1]] is None
        db.session.remove()
        assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
        columns = [row[1] for row in db.session.execute(text("PRAGMA table_info(contracts)"))]
        assert "keep_live_breached_at" not in columns
        db.session.remove()
