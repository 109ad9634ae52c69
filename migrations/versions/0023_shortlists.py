"""shortlists, invite-only campaigns and outbound webhooks (issue 22): ``shortlists`` and
``shortlist_members`` (a brand's named lists of KOLs), ``campaigns.invite_only``,
``kol_reliability`` (each KOL's reliability score, stored so that Find KOLs can sort by it),
and ``webhook_endpoints``, ``webhook_deliveries``, ``webhook_attempts``.

Revision ID: 18801c2d3e23
Revises: 17701c2d3e22
Create Date: 2026-12-06 09:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "18801c2d3e23"
down_revision = "17701c2d3e22"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "shortlists",
        sa.Column("id", BigId, nullable=False),
        sa.Column("brand_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["users.id"], name=op.f("fk_shortlists_brand_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlists")),
        sa.UniqueConstraint("brand_id", "name", name="uq_shortlists_name"),
    )
    op.create_index(op.f("ix_shortlists_brand_id"), "shortlists", ["brand_id"])
    op.create_table(
        "shortlist_members",
        sa.Column("id", BigId, nullable=False),
        sa.Column("shortlist_id", BigId, nullable=False),
        sa.Column("kol_id", BigId, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shortlist_id"], ["shortlists.id"], name=op.f("fk_shortlist_members_shortlist_id_shortlists"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["kol_id"], ["users.id"], name=op.f("fk_shortlist_members_kol_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_members")),
        sa.UniqueConstraint("shortlist_id", "kol_id", name="uq_shortlist_members_kol"),
    )
    op.create_index("ix_shortlist_members_kol_id", "shortlist_members", ["kol_id"])
    op.create_table(
        "kol_reliability",
        sa.Column("kol_id", BigId, nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kol_id"], ["users.id"], name=op.f("fk_kol_reliability_kol_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kol_id", name=op.f("pk_kol_reliability")),
    )
    op.create_index("ix_kol_reliability_score", "kol_reliability", ["score"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", BigId, nullable=False),
        sa.Column("brand_id", BigId, nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("events", sa.String(length=400), nullable=False),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=40), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["users.id"], name=op.f("fk_webhook_endpoints_brand_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(op.f("ix_webhook_endpoints_brand_id"), "webhook_endpoints", ["brand_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("endpoint_id", BigId, nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_deliveries_event"),
    )
    op.create_index(op.f("ix_webhook_deliveries_endpoint_id"), "webhook_deliveries", ["endpoint_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("delivery_id", BigId, nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("invite_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("invite_only")
    op.drop_index(op.f("ix_webhook_attempts_delivery_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_endpoint_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhook_endpoints_brand_id"), table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    op.drop_index("ix_kol_reliability_score", table_name="kol_reliability")
    op.drop_table("kol_reliability")
    op.drop_index("ix_shortlist_members_kol_id", table_name="shortlist_members")
    op.drop_table("shortlist_members")
    op.drop_index(op.f("ix_shortlists_brand_id"), table_name="shortlists")
    op.drop_table("shortlists")
