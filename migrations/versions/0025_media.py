"""media sizes: ``note_images.width`` and ``height``, the stored image's pixels, so pages set
width/height on covers (app/media.py derives each size's). Images stored before stay null until
``flask media backfill`` reads them from UPLOAD_DIR (the pages simply omit the attributes).

Revision ID: 21101c2d3e26
Revises: 19901c2d3e24
Create Date: 2026-12-06 09:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "21101c2d3e26"
down_revision = "19901c2d3e24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("note_images") as batch:
        batch.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("height", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("note_images") as batch:
        batch.drop_column("height")
        batch.drop_column("width")
