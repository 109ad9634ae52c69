"""money decided by typed facts: a keep-live breach is a column on the contract
(keep_live_breached_at, backfilled from the history rows whose text said so), and the status
columns kept as strings (fundings, refunds, chargebacks, reconciliation runs and periods) hold
only their enum's values

Revision ID: 100f1c2d3e15
Revises: 0f0e1c2d3e14
Create Date: 2026-12-06 06:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "100f1c2d3e15"
down_revision = "0f0e1c2d3e14"
branch_labels = None
depends_on = None

# The text lifecycle.record_keep_live_breach wrote on the contract's history row.
_FIRST_BREACH = (
    "(SELECT min(s.created_at) FROM status_changes s WHERE s.entity = 'contract' "
    "AND s.entity_id = contracts.id AND s.reason = 'keep-live breach')"
)

# Written out, not imported: a migration keeps the values of its own day.
STATUSES = {
    "fundings": ("open", "paid", "expired"),
    "refunds": ("staged", "processing", "pending", "succeeded", "failed"),
    "chargebacks": (
        "warning_needs_response",
        "warning_under_review",
        "warning_closed",
        "needs_response",
        "under_review",
        "appeal_needs_response",
        "appeal_under_review",
        "won",
        "lost",
        "prevented",
    ),
    "reconciliation_runs": ("queued", "running", "done", "failed"),
    "reconciliation_periods": ("open", "closed"),
}


def upgrade():
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("keep_live_breached_at", sa.DateTime(timezone=True)))
    op.execute(
        f"UPDATE contracts SET keep_live_breached_at = {_FIRST_BREACH} "
        f"WHERE {_FIRST_BREACH} IS NOT NULL"
    )
    for table, values in STATUSES.items():
        allowed = ", ".join(f"'{value}'" for value in values)
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_status_known"), f"status IN ({allowed})")


def downgrade():
    for table in reversed(STATUSES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_status_known"), type_="check")
    # The history rows stay, so nothing is lost: the old code reads the breach from them.
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("keep_live_breached_at")
