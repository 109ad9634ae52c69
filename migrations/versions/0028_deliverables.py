"""deliverables (issue 21): a contract holds one or more deliverables, each with its own due
date, review loop and share of the price; ``campaigns.deliverable_kinds`` says what each
contract of a campaign delivers, ``bids.deliverable_due_dates`` when the KOL proposes to; ``notes.deliverable_id`` ties each note to its deliverable
(a contract may now have several notes: ``notes.contract_id`` is no longer unique).

Every existing contract becomes one deliverable carrying its price, due date, revision count,
review dates and status (taken from its note when it has one, else from the contract).

Revision ID: 23501c2d3e30
Revises: 23301c2d3e28
Create Date: 2026-12-06 12:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "23501c2d3e30"
down_revision = "23301c2d3e28"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

ONE_PER_CONTRACT = """
INSERT INTO deliverables (contract_id, position, kind, due_date, share, status, revisions_used,
                          submitted_at, review_due_at, approved_at, created_at)
SELECT c.id, 1,
       CASE WHEN k.content_format = 'video' THEN 'video' ELSE 'note' END,
       c.due_date, c.price,
       CASE
         WHEN n.status IN ('approved', 'published', 'taken_down') THEN 'approved'
         WHEN n.status = 'submitted' THEN 'in_review'
         WHEN n.status = 'changes_requested' THEN 'changes_requested'
         WHEN n.id IS NULL AND c.status IN ('approved', 'released', 'completed') THEN 'approved'
         WHEN n.id IS NULL AND c.status = 'in_review' THEN 'in_review'
         WHEN n.id IS NULL AND c.status = 'changes_requested' THEN 'changes_requested'
         ELSE 'pending'
       END,
       c.revisions_used, c.submitted_at, c.review_due_at, c.approved_at, c.created_at
FROM contracts c
JOIN campaigns k ON k.id = c.campaign_id
LEFT JOIN notes n ON n.contract_id = c.id
"""

LINK_NOTES = """
UPDATE notes SET deliverable_id = (
    SELECT d.id FROM deliverables d WHERE d.contract_id = notes.contract_id AND d.position = 1
)
"""


def upgrade():
    op.create_table(
        "deliverables",
        sa.Column("id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "note",
                "video",
                name="deliverablekind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("share", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "in_review",
                "changes_requested",
                "approved",
                name="deliverablestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("revisions_used", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("position >= 1", name=op.f("ck_deliverables_position_positive")),
        sa.CheckConstraint("share >= 0", name=op.f("ck_deliverables_share_not_negative")),
        sa.CheckConstraint(
            "revisions_used >= 0", name=op.f("ck_deliverables_revisions_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deliverables_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverables")),
        sa.UniqueConstraint("contract_id", "position", name="uq_deliverables_position"),
    )
    op.create_index("ix_deliverables_status_due", "deliverables", ["status", "review_due_at"])
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("deliverable_kinds", sa.String(120), server_default="", nullable=False)
        )
    with op.batch_alter_table("bids") as batch:
        batch.add_column(
            sa.Column("deliverable_due_dates", sa.String(200), server_default="", nullable=False)
        )
    op.execute(ONE_PER_CONTRACT)
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("deliverable_id", BigId, nullable=True))
    op.execute(LINK_NOTES)
    with op.batch_alter_table("notes") as batch:
        batch.alter_column("deliverable_id", existing_type=BigId, nullable=False)
        batch.create_foreign_key(
            op.f("fk_notes_deliverable_id_deliverables"),
            "deliverables",
            ["deliverable_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_unique_constraint(op.f("uq_notes_deliverable_id"), ["deliverable_id"])
        batch.drop_constraint("uq_notes_contract_id", type_="unique")
        batch.create_index(batch.f("ix_notes_contract_id"), ["contract_id"], unique=False)


def downgrade():
    # Only single-deliverable contracts go back: a second note of a contract would break the
    # old one-note-per-contract rule.
    with op.batch_alter_table("notes") as batch:
        batch.drop_index(batch.f("ix_notes_contract_id"))
        batch.create_unique_constraint("uq_notes_contract_id", ["contract_id"])
        batch.drop_constraint(op.f("uq_notes_deliverable_id"), type_="unique")
        batch.drop_constraint(op.f("fk_notes_deliverable_id_deliverables"), type_="foreignkey")
        batch.drop_column("deliverable_id")
    with op.batch_alter_table("bids") as batch:
        batch.drop_column("deliverable_due_dates")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("deliverable_kinds")
    op.drop_index("ix_deliverables_status_due", table_name="deliverables")
    op.drop_table("deliverables")
