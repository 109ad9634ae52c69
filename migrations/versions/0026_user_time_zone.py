"""users.time_zone: the IANA zone a person reads and enters dates in (set in settings, guessed
from the browser at registration); NULL reads as UTC, as every date was shown before.

Revision ID: 22201c2d3e27
Revises: 21101c2d3e26
Create Date: 2026-12-06 09:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "22201c2d3e27"
down_revision = "21101c2d3e26"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
