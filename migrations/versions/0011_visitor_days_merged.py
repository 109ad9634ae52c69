"""one visitor-day table for notes, campaigns and KOLs (day, visitor, note + the note's campaign
and KOL), and byte-order collation for visitors and event ids on PostgreSQL

The writer probed and inserted three tables per new visitor (note, campaign and KOL
visitor-days); one row per visitor-day-note carrying the note's campaign and KOL holds the same
facts: a visitor-day of a campaign or a KOL exists exactly when a visitor-day of one of its notes
does (migrations 0006 and 0010 built those tables from the note rows, and the writer added all
three on the same counted view). Keyed by day then visitor, one probe reads a visitor's whole day.

Revision ID: 0c0b1c2d3e11
Revises: 0b0a1c2d3e10
Create Date: 2026-11-26 07:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0c0b1c2d3e11"
down_revision = "0b0a1c2d3e10"
branch_labels = None
depends_on = None

BYTE_ORDER = {"analytics_events": ("event_id", "visitor"), "analytics_view_marks": ("visitor",)}


def _key(byte_order: bool) -> sa.String:
    return sa.String(length=64, collation="C") if byte_order else sa.String(length=64)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    pg = _postgresql()
    op.create_table(
        "analytics_visitor_days_merged",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", _key(pg), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("kol_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "visitor", "note_id", name="pk_analytics_visitor_days_merged"
        ),
    )
    op.execute(
        "INSERT INTO analytics_visitor_days_merged (day, visitor, note_id, campaign_id, kol_id) "
        "SELECT d.day, d.visitor, d.note_id, n.campaign_id, n.kol_id "
        "FROM analytics_visitor_days d JOIN notes n ON n.id = d.note_id"
    )
    for table in (
        "analytics_visitor_days", "analytics_campaign_visitor_days", "analytics_kol_visitor_days"
    ):  # fmt: skip
        op.drop_table(table)
    op.rename_table("analytics_visitor_days_merged", "analytics_visitor_days")
    if pg:
        op.execute(
            "ALTER TABLE analytics_visitor_days RENAME CONSTRAINT "
            "pk_analytics_visitor_days_merged TO pk_analytics_visitor_days"
        )
        for table, columns in BYTE_ORDER.items():
            with op.batch_alter_table(table) as batch_op:
                for column in columns:
                    batch_op.alter_column(
                        column, type_=_key(True), existing_type=_key(False), existing_nullable=False
                    )


def downgrade():
    pg = _postgresql()
    if pg:
        for table, columns in BYTE_ORDER.items():
            with op.batch_alter_table(table) as batch_op:
                for column in columns:
                    batch_op.alter_column(
                        column, type_=_key(False), existing_type=_key(True), existing_nullable=False
                    )
    op.create_table(
        "analytics_visitor_days_split",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "note_id", "visitor", name="pk_analytics_visitor_days_split"),
    )
    for scope in ("campaign", "kol"):
        op.create_table(
            f"analytics_{scope}_visitor_days",
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column(f"{scope}_id", sa.BigInteger(), nullable=False),
            sa.Column("visitor", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint(
                "day", f"{scope}_id", "visitor", name=op.f(f"pk_analytics_{scope}_visitor_days")
            ),
        )
        op.execute(
            f"INSERT INTO analytics_{scope}_visitor_days (day, {scope}_id, visitor) "  # noqa: S608
            f"SELECT DISTINCT day, {scope}_id, visitor FROM analytics_visitor_days"
        )
    op.execute(
        "INSERT INTO analytics_visitor_days_split (day, note_id, visitor) "
        "SELECT day, note_id, visitor FROM analytics_visitor_days"
    )
    op.drop_table("analytics_visitor_days")
    op.rename_table("analytics_visitor_days_split", "analytics_visitor_days")
    if pg:
        op.execute(
            "ALTER TABLE analytics_visitor_days RENAME CONSTRAINT "
            "pk_analytics_visitor_days_split TO pk_analytics_visitor_days"
        )
