"""recommendations from behaviour (issue 24): ``recommended_notes`` (For you, per person),
``related_notes`` (per note, from co-engagement) and ``recommended_kols`` (per brand, with a
reason code and its parameters); all three are replaced whole by the scheduled job.

Revision ID: 19901c2d3e24
Revises: 18801c2d3e23
Create Date: 2026-12-06 09:30:00

"""

from alembic import op
import sqlalchemy as sa

from app.db_types import BigId


# revision identifiers, used by Alembic.
revision = "19901c2d3e24"
down_revision = "18801c2d3e23"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recommended_notes",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("note_id", BigId, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recommended_notes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_recommended_notes_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "rank", name=op.f("pk_recommended_notes")),
    )
    op.create_index(op.f("ix_recommended_notes_note_id"), "recommended_notes", ["note_id"])
    op.create_table(
        "related_notes",
        sa.Column("note_id", BigId, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("related_id", BigId, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_related_notes_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["notes.id"],
            name=op.f("fk_related_notes_related_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", "rank", name=op.f("pk_related_notes")),
    )
    op.create_index(op.f("ix_related_notes_related_id"), "related_notes", ["related_id"])
    op.create_table(
        "recommended_kols",
        sa.Column("brand_id", BigId, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("kol_id", BigId, nullable=False),
        sa.Column("like_kol_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["users.id"],
            name=op.f("fk_recommended_kols_brand_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kol_id"],
            ["users.id"],
            name=op.f("fk_recommended_kols_kol_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brand_id", "rank", name=op.f("pk_recommended_kols")),
    )
    op.create_index(op.f("ix_recommended_kols_kol_id"), "recommended_kols", ["kol_id"])


def downgrade():
    op.drop_table("recommended_kols")
    op.drop_table("related_notes")
    op.drop_table("recommended_notes")
