"""analytics settings: per-campaign attribution window, campaign-wide unique visitors,
revocable media-kit links (and any indexes the speed work needs)

Revision ID: 0a6b1c2d3e06
Revises: 96c3496302c9
Create Date: 2026-11-25 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0a6b1c2d3e06"
down_revision = "96c3496302c9"
branch_labels = None
depends_on = None


def upgrade():
    # --- analytics settings (filled in by the analytics work) ---
    # Per-campaign attribution window (days); existing campaigns keep the old global 7.
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attribution_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_campaigns_attribution_days_range'), 'attribution_days >= 1 AND attribution_days <= 90'
        )
    # Campaign-wide unique visitors: a campaign visitor-day table, the event flag that fills
    # it, and the rollup column that sums to distinct campaign visitors per day.
    op.create_table('analytics_campaign_visitor_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', 'campaign_id', 'visitor', name=op.f('pk_analytics_campaign_visitor_days'))
    )
    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_campaign_visitor_today', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_uniques', sa.Integer(), server_default='0', nullable=False))
    # History: hours already rolled up keep their note-level uniques (the best known), and
    # today's visitors already seen on a note are known to their campaign.
    op.execute('UPDATE analytics_hourly SET campaign_uniques = uniques')
    op.execute(
        'INSERT INTO analytics_campaign_visitor_days (day, campaign_id, visitor) '
        'SELECT DISTINCT d.day, n.campaign_id, d.visitor FROM analytics_visitor_days d '
        'JOIN notes n ON n.id = d.note_id'
    )
    # Revocable, named media-kit share links (the old signed-kol-id links stop working).
    op.create_table('analytics_media_kit_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kol_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_viewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['kol_id'], ['users.id'], name=op.f('fk_analytics_media_kit_links_kol_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_media_kit_links')),
    sa.UniqueConstraint('token', name=op.f('uq_analytics_media_kit_links_token'))
    )
    with op.batch_alter_table('analytics_media_kit_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analytics_media_kit_links_kol_id'), ['kol_id'], unique=False)
    # --- speed work (indexes) ---


def downgrade():
    # --- speed work (indexes) ---
    # --- analytics settings ---
    with op.batch_alter_table('analytics_media_kit_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analytics_media_kit_links_kol_id'))
    op.drop_table('analytics_media_kit_links')
    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        batch_op.drop_column('campaign_uniques')
    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.drop_column('new_campaign_visitor_today')
    op.drop_table('analytics_campaign_visitor_days')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_attribution_days_range'), type_='check')
        batch_op.drop_column('attribution_days')
