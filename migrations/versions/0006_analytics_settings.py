"""analytics settings: per-campaign attribution window, campaign-wide unique visitors,
revocable media-kit links (and any indexes the speed work needs)

Revision ID: 0a6b1c2d3e06
Revises: 96c3496302c9
Create Date: 2026-11-25 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0a6b1c2d3e06'
down_revision = '96c3496302c9'
branch_labels = None
depends_on = None


def upgrade():
    # --- analytics settings (filled in by the analytics work) ---
    pass
    # --- speed work (indexes) ---


def downgrade():
    # --- speed work (indexes) ---
    # --- analytics settings ---
    pass
