"""deal terms (issue 21): commission-only deals (a price of 0 with outcome terms and a cap) on
campaigns, bids, offers and contracts; each offer records the outcome terms it put on the
table (``terms_recorded`` false for offers made before: only their price is known); usage
rights as a priced licence (``licence_scope``, ``licence_days``, ``licence_fee``) on campaigns,
bids, offers and contracts, with the fees on the licence fee, its end and its reminder on
contracts; ``licence_purchases`` (a licence or an extension bought later on a published note)
and ``fundings.licence_purchase_id`` (the payment for one).

Revision ID: 23401c2d3e29
Revises: 23601c2d3e31
Create Date: 2026-12-06 12:40:00

"""

import re

from alembic import op
import sqlalchemy as sa

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# revision identifiers, used by Alembic.
revision = "23401c2d3e29"
down_revision = "23601c2d3e31"
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


LICENCE_FEES = (
    "licence_fee >= 0 AND licence_brand_fee >= 0 AND licence_kol_fee >= 0 "
    "AND licence_kol_fee <= licence_fee"
)


def _licence_columns():
    return [
        sa.Column("licence_scope", sa.String(length=12), nullable=True),
        sa.Column("licence_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("licence_fee", sa.BigInteger(), server_default="0", nullable=False),
    ]


def _contract_licence_columns():
    return [
        sa.Column("licence_brand_fee", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("licence_kol_fee", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("licence_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("licence_reminded_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _add_sqlite_check(table: str, name: str, expr: str, remove: bool = False) -> None:
    """Append a table CHECK to a SQLite table's SQL (after the columns ADD COLUMN appended),
    or remove the one appended."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    sql = sql.rstrip()
    assert sql.endswith(")")
    constraint = f", CONSTRAINT ck_{table}_{name} CHECK ({expr})"
    if remove:
        assert constraint in sql, f"{table}: ck_{table}_{name} not found"
        sql = sql.replace(constraint, "")
    else:
        sql = sql[:-1].rstrip() + constraint + ")"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
    )
    bind.exec_driver_sql("PRAGMA schema_version = %d" % (version + 1))
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


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
    for table in ("campaigns", "bids", "offers", "contracts"):
        with op.batch_alter_table(table) as batch:
            for column in _licence_columns():
                batch.add_column(column)
    with op.batch_alter_table("contracts") as batch:
        for column in _contract_licence_columns():
            batch.add_column(column)
    op.create_index(op.f("ix_contracts_licence_ends_at"), "contracts", ["licence_ends_at"])
    if op.get_bind().dialect.name == "sqlite":
        _add_sqlite_check("contracts", "licence_fees", LICENCE_FEES)
    else:
        op.create_check_constraint(op.f("ck_contracts_licence_fees"), "contracts", LICENCE_FEES)
    op.create_table(
        "licence_purchases",
        sa.Column("id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("brand_id", BigId, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("licence_scope", sa.String(length=12), nullable=False),
        sa.Column("licence_days", sa.Integer(), nullable=False),
        sa.Column("licence_fee", sa.BigInteger(), nullable=False),
        sa.Column("licence_brand_fee", sa.BigInteger(), nullable=False),
        sa.Column("licence_kol_fee", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "licence_fee > 0 AND licence_days > 0 AND licence_brand_fee >= 0 "
            "AND licence_kol_fee >= 0 AND licence_kol_fee <= licence_fee",
            name=op.f("ck_licence_purchases_amounts"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'paid')", name=op.f("ck_licence_purchases_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"],
            name=op.f("fk_licence_purchases_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["users.id"], name=op.f("fk_licence_purchases_brand_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_purchases")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_licence_purchases_contract_id"), "licence_purchases", ["contract_id"]
    )
    with op.batch_alter_table("fundings") as batch:
        batch.add_column(sa.Column("licence_purchase_id", BigId, nullable=True))
        batch.create_unique_constraint(
            op.f("uq_fundings_licence_purchase_id"), ["licence_purchase_id"]
        )
        batch.create_foreign_key(
            op.f("fk_fundings_licence_purchase_id_licence_purchases"),
            "licence_purchases", ["licence_purchase_id"], ["id"],
        )  # fmt: skip


def downgrade():
    with op.batch_alter_table("fundings") as batch:
        batch.drop_constraint(
            op.f("fk_fundings_licence_purchase_id_licence_purchases"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("uq_fundings_licence_purchase_id"), type_="unique")
        batch.drop_column("licence_purchase_id")
    op.drop_index(op.f("ix_licence_purchases_contract_id"), table_name="licence_purchases")
    op.drop_table("licence_purchases")
    op.drop_index(op.f("ix_contracts_licence_ends_at"), table_name="contracts")
    if op.get_bind().dialect.name == "sqlite":
        # No batch copy (contracts is referenced everywhere): drop the appended CHECK, then
        # the columns with SQLite's own ALTER TABLE … DROP COLUMN (3.35+), as 0008 does.
        _add_sqlite_check("contracts", "licence_fees", LICENCE_FEES, remove=True)
        drop = lambda table, name: op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")  # noqa: E731
    else:
        op.drop_constraint(op.f("ck_contracts_licence_fees"), "contracts", type_="check")
        drop = op.drop_column
    for table in ("campaigns", "bids", "offers", "contracts"):
        for column in _licence_columns():
            drop(table, column.name)
    for column in _contract_licence_columns():
        drop("contracts", column.name)
    # Commission-only rows (price 0) would break the old checks: they must go first.
    _swap_checks(reverse=True)
    with op.batch_alter_table("offers") as batch:
        for column in reversed(_offer_columns()):
            batch.drop_column(column.name)
