"""analytics_events keyed by (event_id, occurred_at) and, on PostgreSQL, partitioned by month of
occurred_at (a DEFAULT partition catches strays); client event ids kept once each in
analytics_event_ids, whatever partition their events went to

A partitioned table's unique keys must hold the partition column, so event_id alone can no
longer be unique there: the dedupe key moves to its own small table (one row per event id, kept
ANALYTICS_EVENT_ID_DAYS by `flask analytics prune`). The surrogate id (read by nothing) goes.
SQLite keeps one plain table of the same columns and keys.

The data moves: the old table is renamed, the new one created (with a partition for every month
from the oldest event to two months ahead), the rows copied, the old table dropped. The
downgrade copies them back into a plain table with a unique event id (the first copy kept).

Revision ID: 23801c2d3e33
Revises: 23501c2d3e30
Create Date: 2026-12-06 12:40:00

"""

from datetime import UTC, date, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "23801c2d3e33"
down_revision = "23501c2d3e30"
branch_labels = None
depends_on = None

AHEAD = 2  # months created ahead of the current one (the scheduler keeps it so)
COLUMNS = (
    "event_id, kind, occurred_at, note_id, contract_id, campaign_id, visitor, user_id, is_bot, "
    "counted, new_visitor_today, new_campaign_visitor_today, new_kol_visitor_today"
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _key(pg: bool) -> sa.String:
    return sa.String(length=64, collation="C") if pg else sa.String(length=64)


def _event_columns(pg: bool) -> list[sa.Column]:
    return [
        sa.Column("event_id", _key(pg), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor", _key(pg), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("new_visitor_today", sa.Boolean(), nullable=False),
        sa.Column("new_campaign_visitor_today", sa.Boolean(), server_default=sa.false(),
                  nullable=False),  # fmt: skip
        sa.Column("new_kol_visitor_today", sa.Boolean(), server_default=sa.false(),
                  nullable=False),  # fmt: skip
    ]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], _month(first)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _old_index_names(pg: bool) -> None:
    """Free the index names for the new table (on PostgreSQL the key indexes' too)."""
    if pg:
        for name in ("pk_analytics_events", "uq_analytics_events_event_id",
                     "ix_analytics_events_note_time", "ix_analytics_events_time"):  # fmt: skip
            op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_old")
    else:
        op.drop_index("ix_analytics_events_note_time", table_name="analytics_events_old")
        op.drop_index("ix_analytics_events_time", table_name="analytics_events_old")


def upgrade():
    pg = _postgresql()
    op.rename_table("analytics_events", "analytics_events_old")
    _old_index_names(pg)
    op.create_table(
        "analytics_events",
        *_event_columns(pg),
        sa.PrimaryKeyConstraint("event_id", "occurred_at", name="pk_analytics_events"),
        **({"postgresql_partition_by": "RANGE (occurred_at)"} if pg else {}),
    )
    op.create_index("ix_analytics_events_note_time", "analytics_events", ["note_id", "occurred_at"])
    op.create_index("ix_analytics_events_time", "analytics_events", ["occurred_at"])
    op.create_table(
        "analytics_event_ids",
        sa.Column("event_id", _key(pg), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_analytics_event_ids"),
    )
    op.create_index("ix_analytics_event_ids_stored_at", "analytics_event_ids", ["stored_at"],
                    postgresql_using="brin")  # fmt: skip
    if pg:
        bind = op.get_bind()
        oldest = bind.execute(sa.text("SELECT min(occurred_at) FROM analytics_events_old")).scalar()
        today = datetime.now(UTC).date()
        first = min(oldest.astimezone(UTC).date(), today) if oldest else today
        last = today
        for _ in range(AHEAD):
            last = _next_month(_month(last))
        for month in _months(first, last):
            end = _next_month(month)
            op.execute(
                f"CREATE TABLE analytics_events_p{month:%Y_%m} PARTITION OF analytics_events "
                f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') "
                f"TO ('{end.isoformat()} 00:00:00+00')"
            )
        op.execute("CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT")
    op.execute(f"INSERT INTO analytics_events ({COLUMNS}) SELECT {COLUMNS} FROM analytics_events_old")
    op.execute(
        "INSERT INTO analytics_event_ids (event_id, stored_at) "
        "SELECT event_id, occurred_at FROM analytics_events_old"
    )
    op.drop_table("analytics_events_old")


def downgrade():
    pg = _postgresql()
    op.rename_table("analytics_events", "analytics_events_old")
    if pg:
        op.execute("ALTER INDEX pk_analytics_events RENAME TO pk_analytics_events_old")
        op.execute("ALTER INDEX ix_analytics_events_note_time RENAME TO ix_analytics_events_nt_old")
        op.execute("ALTER INDEX ix_analytics_events_time RENAME TO ix_analytics_events_t_old")
    else:
        op.drop_index("ix_analytics_events_note_time", table_name="analytics_events_old")
        op.drop_index("ix_analytics_events_time", table_name="analytics_events_old")
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        *_event_columns(pg),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_events"),
        sa.UniqueConstraint("event_id", name="uq_analytics_events_event_id"),
    )
    op.create_index("ix_analytics_events_note_time", "analytics_events", ["note_id", "occurred_at"])
    op.create_index("ix_analytics_events_time", "analytics_events", ["occurred_at"])
    # An id stored twice (a replay after its dedupe key was pruned): the first copy is kept.
    conflict = "ON CONFLICT (event_id) DO NOTHING" if pg else "ON CONFLICT DO NOTHING"
    op.execute(
        f"INSERT INTO analytics_events ({COLUMNS}) SELECT {COLUMNS} FROM analytics_events_old "
        f"WHERE true ORDER BY occurred_at {conflict}"
    )
    op.drop_table("analytics_events_old")  # on PostgreSQL its partitions go with it
    op.drop_index("ix_analytics_event_ids_stored_at", table_name="analytics_event_ids")
    op.drop_table("analytics_event_ids")
