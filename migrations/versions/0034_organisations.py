"""organisations (issue 22): a brand's team and agencies. ``organisations`` (kind brand with
its brand account, or agency), ``memberships`` (a person's role in one organisation, ended by
``removed_at``), ``org_invitations`` (hashed link secret, expiry), ``agency_grants`` (a brand
lets an agency act for it, until revoked), and the agency and brand acted for on
``finance_audit_log``. Every existing brand account becomes the owner of a one-member brand
organisation.

Revision ID: 24001c2d3e35
Revises: 23401c2d3e29
Create Date: 2026-12-06 15:40:00

"""

from alembic import op
import sqlalchemy as sa

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


# revision identifiers, used by Alembic.
revision = "24001c2d3e35"
down_revision = "23401c2d3e29"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', BigId, nullable=False),
    sa.Column('kind', sa.Enum('brand', 'agency', name='orgkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('brand_user_id', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'brand') = (brand_user_id IS NOT NULL)", name=op.f('ck_organisations_brand_has_account')),
    sa.ForeignKeyConstraint(['brand_user_id'], ['users.id'], name=op.f('fk_organisations_brand_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('brand_user_id', name=op.f('uq_organisations_brand_user_id'))
    )
    op.create_table('agency_grants',
    sa.Column('id', BigId, nullable=False),
    sa.Column('brand_organisation_id', BigId, nullable=False),
    sa.Column('agency_id', BigId, nullable=False),
    sa.Column('granted_by', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['organisations.id'], name=op.f('fk_agency_grants_agency_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['brand_organisation_id'], ['organisations.id'], name=op.f('fk_agency_grants_brand_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], name=op.f('fk_agency_grants_granted_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_grants'))
    )
    with op.batch_alter_table('agency_grants', schema=None) as batch_op:
        batch_op.create_index('ix_agency_grants_agency_id', ['agency_id'], unique=False)
        batch_op.create_index('uq_agency_grants_active', ['brand_organisation_id', 'agency_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('memberships',
    sa.Column('id', BigId, nullable=False),
    sa.Column('organisation_id', BigId, nullable=False),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('role', sa.Enum('owner', 'manager', 'analyst', 'finance', name='memberrole', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_organisation_id', ['organisation_id'], unique=False)
        batch_op.create_index('uq_memberships_active_user', ['user_id'], unique=True, sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))

    op.create_table('org_invitations',
    sa.Column('id', BigId, nullable=False),
    sa.Column('organisation_id', BigId, nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('owner', 'manager', 'analyst', 'finance', name='memberrole', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by'], ['users.id'], name=op.f('fk_org_invitations_invited_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_org_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_org_invitations_token_hash'))
    )
    with op.batch_alter_table('org_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_invitations_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('finance_audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('brand_id', BigId, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_finance_audit_log_agency_id_organisations'), 'organisations', ['agency_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_finance_audit_log_brand_id_users'), 'users', ['brand_id'], ['id'])

    # Every brand account becomes the owner of a one-member brand organisation.
    op.execute(
        "INSERT INTO organisations (kind, name, brand_user_id, created_at) "
        "SELECT 'brand', SUBSTR(COALESCE(p.company_name, u.email), 1, 120), u.id, u.created_at "
        "FROM users u LEFT JOIN brand_profiles p ON p.user_id = u.id WHERE u.role = 'brand'"
    )
    op.execute(
        "INSERT INTO memberships (organisation_id, user_id, role, created_at) "
        "SELECT id, brand_user_id, 'owner', created_at FROM organisations WHERE kind = 'brand'"
    )



def downgrade():
    with op.batch_alter_table('finance_audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finance_audit_log_brand_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_finance_audit_log_agency_id_organisations'), type_='foreignkey')
        batch_op.drop_column('brand_id')
        batch_op.drop_column('agency_id')

    with op.batch_alter_table('org_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_invitations_organisation_id'))

    op.drop_table('org_invitations')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_memberships_active_user', sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))
        batch_op.drop_index('ix_memberships_organisation_id')

    op.drop_table('memberships')
    with op.batch_alter_table('agency_grants', schema=None) as batch_op:
        batch_op.drop_index('uq_agency_grants_active', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index('ix_agency_grants_agency_id')

    op.drop_table('agency_grants')
    op.drop_table('organisations')
