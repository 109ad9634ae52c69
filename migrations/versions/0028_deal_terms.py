"""deal terms (issue 21): commission-only deals (a price of 0 with outcome terms and a cap) on
campaigns, bids, offers and contracts; each offer records the outcome terms it put on the
table (``terms_recorded`` false for offers made before: only their price is known).

Revision ID: 23401c2d3e29
Revises: 22201c2d3e27
Create Date: 2026-12-06 12:40:00

"""

import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "23401c2d3e29"
down_revision = "22201c2d3e27"
branch_labels = None
depends_on = None

# (table, old constraint name, old expression, new name, new expression): written out, not
# imported, so the migration keeps the rules of its own day.
PRICE_CHECKS = (
    ("campaigns", "price_range", "price_min > 0 AND price_min <= price_max",
     "price_range_or_cap",
     "price_min >= 0 AND price_min <= price_max AND (price_min > 0 OR outcome_cap > 0)"),
    ("bids", "price_positive", "price > 0",
     "price_or_cap", "price >= 0 AND (price > 0 OR outcome_cap > 0)"),
    ("offers", "price_positive", "price > 0", "price_not_negative", "price >= 0"),
    ("contracts", "price_positive", "price > 0",
     "price_or_cap", "price >= 0 AND (price > 0 OR outcome_cap > 0)"),
)  # fmt: skip


def _rewrite_sqlite_checks(table: str, changes: list[tuple[str, str, str, str]]) -> None:
    """SQLite cannot alter a constraint, and a batch copy of a table the schema references
    would have to DROP it (foreign keys are on). A CHECK changes nothing on disk, so SQLite's
    documented procedure applies (as in 0007): rewrite the table's SQL, bump the version."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    for old_name, old_expr, new_name, new_expr in changes:
        sql, replaced = re.subn(
            re.escape(f"CONSTRAINT ck_{table}_{old_name} CHECK ({old_expr})"),
            f"CONSTRAINT ck_{table}_{new_name} CHECK ({new_expr})",
            sql,
        )
        if replaced != 1:
            raise RuntimeError(f"{table}: the CHECK constraint ck_{table}_{old_name} was not found")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
    )
    bind.exec_driver_sql("PRAGMA schema_version = %d" % (version + 1))
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if bind.exec_driver_sql("PRAGMA integrity_check").scalar_one() != "ok":
        raise RuntimeError(f"{table} schema rewrite failed the integrity check")


def _swap_checks(reverse: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, old_name, old_expr, new_name, new_expr in PRICE_CHECKS:
        if reverse:
            old_name, old_expr, new_name, new_expr = new_name, new_expr, old_name, old_expr
        if sqlite:
            _rewrite_sqlite_checks(table, [(old_name, old_expr, new_name, new_expr)])
        else:
            op.drop_constraint(op.f(f"ck_{table}_{old_name}"), table, type_="check")
            op.create_check_constraint(op.f(f"ck_{table}_{new_name}"), table, new_expr)


def _offer_columns():
    return [
        sa.Column("commission_bps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("commission_fixed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bonus_amount", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bonus_metric", sa.String(length=12), nullable=True),
        sa.Column("bonus_threshold", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("outcome_cap", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("performance_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column("return_days", sa.Integer(), server_default="14", nullable=False),
        sa.Column("terms_recorded", sa.Boolean(), server_default=sa.false(), nullable=False),
    ]


def upgrade():
    _swap_checks(reverse=False)
    with op.batch_alter_table("offers") as batch:
        for column in _offer_columns():
            batch.add_column(column)


def downgrade():
    # Commission-only rows (price 0) would break the old checks: they must go first.
    _swap_checks(reverse=True)
    with op.batch_alter_table("offers") as batch:
        for column in reversed(_offer_columns()):
            batch.drop_column(column.name)
