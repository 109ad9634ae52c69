"""engagement: shopper role and profiles, likes, wishlist boards and saves, follows, comments,
reports; engagement columns on the hourly rollups; the signed-in user on tracking events

Revision ID: 0a7b1c2d3e07
Revises: 0a6b1c2d3e06
Create Date: 2026-11-25 22:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0a7b1c2d3e07"
down_revision = "0a6b1c2d3e06"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OLD_ROLES = ('brand', 'kol', 'finance', 'admin')
NEW_ROLES = OLD_ROLES + ('shopper',)
ENGAGEMENT_COLUMNS = ('likes', 'saves', 'comments', 'follows', 'bought', 'flagged_engagements')


def _role_check(roles):
    return 'role IN (%s)' % ', '.join("'%s'" % r for r in roles)


def _set_roles(roles):
    """users.role is a non-native enum: a VARCHAR checked by the constraint ck_users_role."""
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_users_role'), 'users', type_='check')
        op.create_check_constraint(op.f('ck_users_role'), 'users', _role_check(roles))
        return
    # SQLite cannot alter a constraint, and a batch copy of users would have to DROP the table
    # the whole schema references (foreign keys are on, so its rows would cascade away or the
    # drop would fail). Editing a CHECK constraint changes nothing on disk, so SQLite's
    # documented procedure applies: rewrite the table's SQL in the schema, bump the version.
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
    ).scalar_one()
    new_sql, replaced = re.subn(
        r"CONSTRAINT ck_users_role CHECK \(role IN \([^)]*\)\)",
        'CONSTRAINT ck_users_role CHECK (%s)' % _role_check(roles),
        sql,
    )
    if replaced != 1:
        raise RuntimeError('users.role: the CHECK constraint ck_users_role was not found')
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar_one()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'", (new_sql,)
    )
    bind.exec_driver_sql('PRAGMA schema_version = %d' % (version + 1))
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')
    if bind.exec_driver_sql('PRAGMA integrity_check').scalar_one() != 'ok':
        raise RuntimeError('users schema rewrite failed the integrity check')


def upgrade():
    _set_roles(NEW_ROLES)

    op.create_table('shopper_profiles',
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('avatar', sa.String(length=255), nullable=True),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_shopper_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_shopper_profiles'))
    )
    op.create_table('kol_follows',
    sa.Column('follower_id', BigId, nullable=False),
    sa.Column('kol_id', BigId, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['follower_id'], ['users.id'], name=op.f('fk_kol_follows_follower_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kol_id'], ['users.id'], name=op.f('fk_kol_follows_kol_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('follower_id', 'kol_id', name=op.f('pk_kol_follows'))
    )
    with op.batch_alter_table('kol_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kol_follows_kol_id'), ['kol_id'], unique=False)

    op.create_table('wishlist_boards',
    sa.Column('id', BigId, nullable=False),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wishlist_boards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishlist_boards')),
    sa.UniqueConstraint('user_id', 'name', name='uq_wishlist_boards_user_name')
    )
    op.create_table('note_likes',
    sa.Column('note_id', BigId, nullable=False),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_likes_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_likes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'user_id', name=op.f('pk_note_likes'))
    )
    with op.batch_alter_table('note_likes', schema=None) as batch_op:
        batch_op.create_index('ix_note_likes_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('note_saves',
    sa.Column('note_id', BigId, nullable=False),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('board_id', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('bought_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bought_source', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['wishlist_boards.id'], name=op.f('fk_note_saves_board_id_wishlist_boards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_saves_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_saves_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'user_id', name=op.f('pk_note_saves'))
    )
    with op.batch_alter_table('note_saves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_saves_board_id'), ['board_id'], unique=False)
        batch_op.create_index('ix_note_saves_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('note_comments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('note_id', BigId, nullable=False),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('parent_id', BigId, nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', BigId, nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', BigId, nullable=True),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_note_comments_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_comments_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['note_comments.id'], name=op.f('fk_note_comments_parent_id_note_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_note_comments_removed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_comments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_comments'))
    )
    with op.batch_alter_table('note_comments', schema=None) as batch_op:
        batch_op.create_index('ix_note_comments_note_created', ['note_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_comments_user_id'), ['user_id'], unique=False)

    op.create_table('comment_reports',
    sa.Column('id', BigId, nullable=False),
    sa.Column('comment_id', BigId, nullable=False),
    sa.Column('reporter_id', BigId, nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', BigId, nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['note_comments.id'], name=op.f('fk_comment_reports_comment_id_note_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_comment_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_comment_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reports')),
    sa.UniqueConstraint('comment_id', 'reporter_id', name='uq_comment_reports_reporter')
    )
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.create_index('ix_comment_reports_open', ['resolved_at', 'created_at'], unique=False)

    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        for name in ENGAGEMENT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('analytics_hourly', schema=None) as batch_op:
        for name in reversed(ENGAGEMENT_COLUMNS):
            batch_op.drop_column(name)

    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.drop_column('user_id')

    op.drop_table('comment_reports')
    op.drop_table('note_comments')
    op.drop_table('note_saves')
    op.drop_table('note_likes')
    op.drop_table('wishlist_boards')
    op.drop_table('kol_follows')
    op.drop_table('shopper_profiles')

    # Shoppers cannot exist under the old constraint: their accounts go with the downgrade.
    op.execute("DELETE FROM users WHERE role = 'shopper'")
    _set_roles(OLD_ROLES)
