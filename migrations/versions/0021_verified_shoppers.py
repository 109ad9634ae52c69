"""verified shoppers: ``shopper_profiles.verified_buyer_at``, when a brand first confirmed an
order bought through the shopper's own tracked click; their comments carry a badge and can be
shown first. Shoppers who bought before this are found from the stored clicks still kept

Revision ID: 16601c2d3e21
Revises: 15501c2d3e20
Create Date: 2026-12-06 08:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "16601c2d3e21"
down_revision = "15501c2d3e20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shopper_profiles") as batch:
        batch.add_column(sa.Column("verified_buyer_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE shopper_profiles SET verified_buyer_at = ("
        " SELECT MIN(c.occurred_at) FROM analytics_conversions c"
        " JOIN analytics_events e ON e.event_id = c.click_id"
        " WHERE e.user_id = shopper_profiles.user_id AND c.confirmed AND c.attributed)"
    )


def downgrade():
    with op.batch_alter_table("shopper_profiles") as batch:
        batch.drop_column("verified_buyer_at")
