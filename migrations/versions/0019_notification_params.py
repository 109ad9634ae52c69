"""notifications stored as a code with parameters: ``params`` (JSON) holds the facts a
notification is about and it is rendered in the reader's language when read; ``text`` stays
for the rows stored before, already rendered in the sender's language, and is read as is

Revision ID: 14401c2d3e19
Revises: 13301c2d3e18
Create Date: 2026-12-06 08:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "14401c2d3e19"
down_revision = "13301c2d3e18"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch.alter_column("text", existing_type=sa.Text(), nullable=True)


def downgrade():
    # The old code reads only stored words: a row stored as a code keeps its code as its words
    # (the facts in params cannot be put in a language without the app's messages).
    op.execute("UPDATE notifications SET text = kind WHERE text IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("text", existing_type=sa.Text(), nullable=False)
        batch.drop_column("params")
