"""social accounts carry what an admin checked: ``verified_followers`` and ``verified_at``;
only checked counts make a KOL's total followers and tier, so an account added or changed
after verification counts for nothing until an admin checks it. Accounts of KOLs verified
before this were checked with their profile, so they keep their counts; the total of every
other KOL falls to what an admin checked, i.e. nothing

Revision ID: 15501c2d3e20
Revises: 14401c2d3e19
Create Date: 2026-12-06 08:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "15501c2d3e20"
down_revision = "14401c2d3e19"
branch_labels = None
depends_on = None

_TIER = (
    "CASE WHEN total_followers >= 1000000 THEN 'mega' WHEN total_followers >= 100000 THEN 'macro'"
    " WHEN total_followers >= 10000 THEN 'micro' ELSE 'nano' END"
)


def upgrade():
    with op.batch_alter_table("social_accounts") as batch:
        batch.add_column(sa.Column("verified_followers", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE social_accounts SET verified_followers = followers, verified_at = ("
        " SELECT k.verified_at FROM kol_profiles k WHERE k.user_id = social_accounts.kol_id)"
        " WHERE kol_id IN (SELECT user_id FROM kol_profiles"
        " WHERE verification = 'verified' AND verified_at IS NOT NULL)"
    )
    _recount("verified_followers", "s.verified_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("social_accounts") as batch:
        batch.drop_column("verified_at")
        batch.drop_column("verified_followers")
    _recount("followers", "1 = 1")  # before this revision every typed-in count was counted


def _recount(column: str, counted: str) -> None:
    op.execute(
        f"UPDATE kol_profiles SET total_followers = COALESCE((SELECT SUM(s.{column})"  # nosec B608
        f" FROM social_accounts s WHERE s.kol_id = kol_profiles.user_id AND {counted}), 0)"
    )
    op.execute(f"UPDATE kol_profiles SET tier = {_TIER}")  # nosec B608
