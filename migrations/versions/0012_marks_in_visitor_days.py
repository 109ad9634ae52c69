"""the dedupe mark (a visitor's last counted view of a note) kept on the visitor-day rows:
analytics_visitor_days.counted_at; analytics_view_marks dropped

The writer probed the marks by (note, visitor) and the visitor-days by (day, visitor) for each
view, and wrote a row in each for a new visitor. A view's last counted view within the dedupe
window (30 minutes) lies on its own day or the day either side, so the visitor-day rows of those
days, read by the one probe the writer already made, hold it: one probe and one row per new
visitor fewer. The backfill puts each mark on its day's row (the row of the day the view was
counted, which that view created or found); a mark whose day's row was pruned is older than
the retention period and cannot be inside a window of any view still to come.

Revision ID: 0d0c1c2d3e12
Revises: 0c0b1c2d3e11
Create Date: 2026-11-26 15:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0d0c1c2d3e12"
down_revision = "0c0b1c2d3e11"
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _mark_day(column: str) -> str:
    """The UTC day of a stored timestamp (SQLite stores UTC text, 'YYYY-MM-DD HH:MM:SS…')."""
    if _postgresql():
        return f"({column} AT TIME ZONE 'UTC')::date"
    return f"substr({column}, 1, 10)"


def upgrade():
    with op.batch_alter_table("analytics_visitor_days") as batch_op:
        batch_op.add_column(sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE analytics_visitor_days SET counted_at = m.counted_at "  # noqa: S608
        "FROM analytics_view_marks m WHERE m.note_id = analytics_visitor_days.note_id "
        "AND m.visitor = analytics_visitor_days.visitor "
        f"AND analytics_visitor_days.day = {_mark_day('m.counted_at')}"
    )
    with op.batch_alter_table("analytics_view_marks") as batch_op:
        batch_op.drop_index("ix_analytics_view_marks_counted_at")
    op.drop_table("analytics_view_marks")


def downgrade():
    visitor = sa.String(length=64, collation="C") if _postgresql() else sa.String(length=64)
    op.create_table(
        "analytics_view_marks",
        sa.Column("note_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor", visitor, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("note_id", "visitor", name=op.f("pk_analytics_view_marks")),
    )
    with op.batch_alter_table("analytics_view_marks") as batch_op:
        batch_op.create_index("ix_analytics_view_marks_counted_at", ["counted_at"], unique=False)
    op.execute(
        "INSERT INTO analytics_view_marks (note_id, visitor, counted_at) "
        "SELECT note_id, visitor, max(counted_at) FROM analytics_visitor_days "
        "WHERE counted_at IS NOT NULL GROUP BY note_id, visitor"
    )
    with op.batch_alter_table("analytics_visitor_days") as batch_op:
        batch_op.drop_column("counted_at")
