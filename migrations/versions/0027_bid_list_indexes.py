"""Indexes for the bid lists' keyset (most recently moved first: ``ORDER BY updated_at DESC,
id DESC`` after a cursor, app/bids/queries.py ``bids_page``), issue 26.

``ix_bids_updated_id`` (updated_at, id): a brand's list (bids joined to its campaigns) walks
it back until it has a page, instead of reading and sorting every bid (EXPLAIN on 300,000
bids of 50 brands: 136-217 ms -> 0.6-2.2 ms). ``ix_bids_kol_updated_id`` (kol_id, updated_at,
id): a KOL's list reads its own page in order (0.7-0.9 ms -> 0.01-0.06 ms); without it the
planner walked the first index for a KOL whose bids were all old (0.9 -> 93 ms).
No notes(published_at, id): the feeds' keyset already reads ``ix_notes_status_published``,
and the planner, given that index, walked it backwards through every unpublished note (NULL
published_at sorts first): /explore's first page went from 0.04 to 311 ms.

Revision ID: 23301c2d3e28
Revises: 22201c2d3e27
Create Date: 2026-12-06 13:10:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "23301c2d3e28"
down_revision = "22201c2d3e27"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_bids_updated_id", "bids", ["updated_at", "id"])
    op.create_index("ix_bids_kol_updated_id", "bids", ["kol_id", "updated_at", "id"])


def downgrade():
    op.drop_index("ix_bids_kol_updated_id", table_name="bids")
    op.drop_index("ix_bids_updated_id", table_name="bids")
