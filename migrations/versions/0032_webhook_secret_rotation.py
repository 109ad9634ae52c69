"""webhook_endpoints.previous_secret and previous_secret_expires_at: after a rotation the old
signing secret keeps signing beside the new one (a second ``v1,`` signature) until it expires,
so a brand's receiver can switch secrets without missing an event (Standard Webhooks).

Revision ID: 23601c2d3e31
Revises: 23701c2d3e32
Create Date: 2026-12-06 12:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "23601c2d3e31"
down_revision = "23701c2d3e32"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("previous_secret", sa.String(80), nullable=True))
        batch.add_column(
            sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret")
