"""reconciliation runs count matched fees apart (fee_matched_count), so that matched_count
counts balance transactions and never exceeds processed; past runs are recounted from their items

Revision ID: 0f0e1c2d3e14
Revises: 0e0d1c2d3e13
Create Date: 2026-12-06 05:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0f0e1c2d3e14"
down_revision = "0e0d1c2d3e13"
branch_labels = None
depends_on = None

_MATCHED = (
    "(SELECT count(*) FROM reconciliation_items i WHERE i.run_id = reconciliation_runs.id "
    "AND i.kind = 'matched' AND i.txn_type {cmp} 'stripe_fee')"
)


def upgrade():
    with op.batch_alter_table("reconciliation_runs") as batch:
        batch.add_column(
            sa.Column("fee_matched_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE reconciliation_runs SET "
        f"fee_matched_count = {_MATCHED.format(cmp='=')}, "
        f"matched_count = {_MATCHED.format(cmp='<>')} "
        "WHERE status = 'done'"
    )


def downgrade():
    op.execute("UPDATE reconciliation_runs SET matched_count = matched_count + fee_matched_count")
    with op.batch_alter_table("reconciliation_runs") as batch:
        batch.drop_column("fee_matched_count")
