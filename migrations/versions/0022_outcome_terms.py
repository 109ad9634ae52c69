"""outcome terms (issue 21): commission, bonus, cap and windows on campaigns, bids and
contracts; the brand fee on the cap and the KOL's promo code on contracts; reversed orders;
settlements and their statement lines.

Revision ID: 17701c2d3e22
Revises: 16601c2d3e21
Create Date: 2026-12-06 09:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "17701c2d3e22"
down_revision = "16601c2d3e21"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TERMS = ("commission_bps", "commission_fixed", "bonus_amount", "bonus_metric",
         "bonus_threshold", "outcome_cap", "performance_days", "return_days")  # fmt: skip


def _term_columns():
    return [
        sa.Column("commission_bps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("commission_fixed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bonus_amount", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bonus_metric", sa.String(length=12), nullable=True),
        sa.Column("bonus_threshold", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("outcome_cap", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("performance_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column("return_days", sa.Integer(), server_default="14", nullable=False),
    ]


def upgrade():
    for table in ("campaigns", "bids", "contracts"):
        with op.batch_alter_table(table) as batch:
            for column in _term_columns():
                batch.add_column(column)
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(
            sa.Column("outcome_fee", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("promo_code", sa.String(length=20), nullable=True))
        batch.create_unique_constraint("uq_contracts_promo_code", ["brand_id", "promo_code"])
    with op.batch_alter_table("analytics_conversions") as batch:
        batch.add_column(sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "outcome_settlements",
        sa.Column("id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders_counted", sa.Integer(), nullable=False),
        sa.Column("order_value", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("metric_value", sa.BigInteger(), nullable=False),
        sa.Column("bonus", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("released_before", sa.BigInteger(), nullable=False),
        sa.Column("released", sa.BigInteger(), nullable=False),
        sa.Column("carried", sa.BigInteger(), nullable=False),
        sa.Column("brand_fee_part", sa.BigInteger(), nullable=False),
        sa.Column("kol_fee_part", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("payout_id", BigId, nullable=True),
        sa.Column("refund_id", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "released >= 0 AND brand_fee_part >= 0 AND kol_fee_part >= 0 AND refunded >= 0 "
            "AND carried >= 0 AND earned >= 0",
            name=op.f("ck_outcome_settlements_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_outcome_settlements_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_outcome_settlements_payout_id_payouts")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_outcome_settlements_refund_id_refunds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_settlements")),
        sa.UniqueConstraint("contract_id", "seq", name="uq_outcome_settlements_seq"),
    )
    with op.batch_alter_table("outcome_settlements") as batch:
        batch.create_index("ix_outcome_settlements_contract_id", ["contract_id"], unique=False)
        batch.create_index("uq_outcome_settlements_final", ["contract_id"], unique=True,
                           postgresql_where=sa.text("final"), sqlite_where=sa.text("final"))  # fmt: skip
    op.create_table(
        "outcome_settlement_lines",
        sa.Column("id", BigId, nullable=False),
        sa.Column("settlement_id", BigId, nullable=False),
        sa.Column("conversion_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["outcome_settlements.id"],
            ondelete="CASCADE",
            name=op.f("fk_outcome_settlement_lines_settlement_id_outcome_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_settlement_lines")),
    )
    with op.batch_alter_table("outcome_settlement_lines") as batch:
        batch.create_index(
            "ix_outcome_settlement_lines_settlement_id", ["settlement_id"], unique=False
        )


def downgrade():
    op.drop_table("outcome_settlement_lines")
    op.drop_table("outcome_settlements")
    with op.batch_alter_table("analytics_conversions") as batch:
        batch.drop_column("reversed_at")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_constraint("uq_contracts_promo_code", type_="unique")
        batch.drop_column("promo_code")
        batch.drop_column("outcome_fee")
    for table in ("contracts", "bids", "campaigns"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(TERMS):
                batch.drop_column(name)
