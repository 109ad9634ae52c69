"""The schema comes from Alembic, and the models match it."""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app import create_app
from app.db_types import include_in_autogenerate
from app.extensions import db


def test_models_match_the_migrations(app):
    """No pending autogenerate diff on the database the suite runs on (migrated from empty)."""
    connection = db.engine  # the test's own connection (see conftest)
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
    )
    assert compare_metadata(context, db.metadata) == []


def test_flask_db_upgrade_from_empty_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path))
    with fresh.app_context():  # the CLI would otherwise use the suite's app context
        result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_in_autogenerate}
            )
            assert context.get_current_revision() is not None
            assert compare_metadata(context, db.metadata) == []


@pytest.mark.once  # a SQLite file of its own, whatever the suite's database
def test_seed_is_idempotent(tmp_path, demo_seed):
    url, uploads, first_output = demo_seed(tmp_path)  # a fresh file, migrated and seeded once
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=uploads)
    runner = fresh.test_cli_runner()
    context = fresh.app_context()
    context.push()  # the CLI would otherwise use the suite's app context

    def counts():
        with fresh.app_context():
            return {
                t.name: db.session.execute(t.select()).all().__len__()
                for t in db.metadata.sorted_tables
            }

    assert "admin@demo.kol.test" in first_output and "kol-demo-2026" in first_output
    after_first = counts()
    # Every seeded account is a login the seed prints or one of its KOLs (derived, not
    # counted by hand: other parts of the seed add their own demo accounts).
    from app.seed import DOMAIN, KOLS

    printed = set(re.findall(r"[\w.+-]+@demo\.kol\.test", first_output))
    with fresh.app_context():
        emails = set(db.session.scalars(text("SELECT email FROM users")))
    assert emails == printed | {f"{kol[0]}@{DOMAIN}" for kol in KOLS}
    assert after_first["users"] == len(emails) and after_first["kol_profiles"] == len(KOLS)
    with fresh.app_context():
        statuses = set(db.session.scalars(text("SELECT status FROM campaigns")))
        bids = set(db.session.scalars(text("SELECT status FROM bids")))
        contracts = set(db.session.scalars(text("SELECT status FROM contracts")))
    assert statuses == {"draft", "open", "closed", "completed", "cancelled"}
    assert {"pending", "countered", "accepted", "rejected", "withdrawn"} <= bids
    assert {"awaiting_funding", "in_review", "released"} <= contracts
    _the_outcome_deal_was_settled(fresh)
    second = runner.invoke(args=["seed"])
    db.session.remove()
    assert second.exit_code == 0 and "already there" in second.output
    assert counts() == after_first
    context.pop()


def _the_outcome_deal_was_settled(fresh) -> None:
    """The demo's outcome deal (flat + 10 % commission + a bonus at 10,000 views, capped) had
    its first weekly settlement: the robot's and the returned order excluded, the bonus paid,
    and the books agree."""
    from sqlalchemy import select

    from app.campaigns.models import Campaign
    from app.contracts.models import Contract
    from app.ledger.checks import ledger_problems
    from app.outcomes.models import Settlement
    from app.seed_outcomes import MARKER

    with fresh.app_context():
        contract = db.session.scalar(
            select(Contract)
            .join(Campaign, Campaign.id == Contract.campaign_id)
            .where(Campaign.title == MARKER)
        )
        settlement = db.session.scalar(
            select(Settlement).where(Settlement.contract_id == contract.id)
        )
        assert settlement is not None and settlement.seq == 1 and not settlement.final
        reasons = sorted(line.reason for line in settlement.lines if line.reason)
        assert reasons == ["bot_click", "reversed"]
        assert settlement.bonus == 5_000 and settlement.released == settlement.earned > 5_000
        assert contract is not None and contract.commission_bps == 1000
        assert ledger_problems() == []
