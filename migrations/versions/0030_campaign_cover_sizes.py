"""campaign cover sizes: ``campaigns.cover_width`` and ``cover_height``, the stored cover's
pixels, so lists and cards show the ``thumb`` size with width/height set (app/media.py derives
each size's) and the API gives every size's. Covers stored before stay null (pages omit the
attributes; the API says null).

Revision ID: 23901c2d3e34
Revises: 23801c2d3e33
Create Date: 2026-12-06 12:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "23901c2d3e34"
down_revision = "23801c2d3e33"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("cover_width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cover_height", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("cover_height")
        batch.drop_column("cover_width")
