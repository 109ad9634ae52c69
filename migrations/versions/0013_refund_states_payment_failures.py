"""money as Stripe moves it: refunds that are pending or fail later (failure_reason), a key
generation for transfers and refunds retried after a Stripe 5xx, and payment failures kept
for the brand to read

Revision ID: 0e0d1c2d3e13
Revises: 0d0c1c2d3e12
Create Date: 2026-12-06 04:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0e0d1c2d3e13"
down_revision = "0d0c1c2d3e12"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("key_generation", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("failure_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("key_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "payment_failures",
        sa.Column("id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("funding_id", BigId, nullable=False),
        sa.Column("stripe_object_id", sa.String(length=80), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("decline_code", sa.String(length=40), nullable=True),
        sa.Column("stripe_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], name=op.f("fk_payment_failures_contract_id_contracts")),
        sa.ForeignKeyConstraint(["funding_id"], ["fundings.id"], name=op.f("fk_payment_failures_funding_id_fundings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_failures")),
        sa.UniqueConstraint("stripe_object_id", name="uq_payment_failures_object"),
    )
    op.create_index(op.f("ix_payment_failures_contract_id"), "payment_failures", ["contract_id"])


def downgrade():
    op.drop_index(op.f("ix_payment_failures_contract_id"), table_name="payment_failures")
    op.drop_table("payment_failures")
    with op.batch_alter_table("refunds") as batch:
        batch.drop_column("key_generation")
        batch.drop_column("failure_reason")
    with op.batch_alter_table("payouts") as batch:
        batch.drop_column("key_generation")
