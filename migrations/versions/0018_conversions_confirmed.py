"""conversions confirmed by the brand's server: orders from the public order-page snippet are
kept unconfirmed (counted nowhere) until the brand's API key reports the same order id;
every order stored before this was counted already, so it stays confirmed

Revision ID: 13301c2d3e18
Revises: 12201c2d3e17
Create Date: 2026-12-06 07:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "13301c2d3e18"
down_revision = "12201c2d3e17"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("analytics_conversions") as batch:
        batch.add_column(
            sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    # Before this revision every stored order counted: one nobody confirmed cannot stay.
    op.execute("DELETE FROM analytics_conversions WHERE NOT confirmed")
    with op.batch_alter_table("analytics_conversions") as batch:
        batch.drop_column("confirmed")
