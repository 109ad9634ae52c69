"""media-kit unique visitors distinct across a KOL's notes: a KOL visitor-day table, the event
flag that fills it, and the rollup column that sums to distinct KOL visitors per day

Revision ID: 0b0a1c2d3e10
Revises: 0a9b1c2d3e09
Create Date: 2026-11-26 12:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0b0a1c2d3e10"
down_revision = "0a9b1c2d3e09"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analytics_kol_visitor_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kol_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "kol_id", "visitor", name=op.f("pk_analytics_kol_visitor_days")
        ),
    )
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "new_kol_visitor_today", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("analytics_hourly", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kol_uniques", sa.Integer(), server_default="0", nullable=False)
        )
    # History, as migration 0006 did for campaign uniques: hours already rolled up keep their
    # note-level uniques (the per-note sum, the best known: which of them were the same visitor
    # is not in the rollups), and visitors already seen on a note are known to its KOL, so a
    # visitor counted today before the upgrade is not counted again after it.
    op.execute("UPDATE analytics_hourly SET kol_uniques = uniques WHERE uniques <> 0")
    op.execute(
        "INSERT INTO analytics_kol_visitor_days (day, kol_id, visitor) "
        "SELECT DISTINCT d.day, n.kol_id, d.visitor FROM analytics_visitor_days d "
        "JOIN notes n ON n.id = d.note_id"
    )


def downgrade():
    with op.batch_alter_table("analytics_hourly", schema=None) as batch_op:
        batch_op.drop_column("kol_uniques")
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.drop_column("new_kol_visitor_today")
    op.drop_table("analytics_kol_visitor_days")
