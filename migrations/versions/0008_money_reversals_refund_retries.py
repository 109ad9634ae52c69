"""money: transfer reversals on payouts (amount_reversed, status "reversed"), when a refund
failed, and finance's refund retries (each with its own idempotency key)

Revision ID: c4f1a7d2e908
Revises: 0a7b1c2d3e07
Create Date: 2026-11-27 10:00:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4f1a7d2e908"
down_revision = "0a7b1c2d3e07"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OLD_STATUSES = ('waiting_onboarding', 'staged', 'processing', 'paid', 'failed', 'on_hold')
NEW_STATUSES = OLD_STATUSES + ('reversed',)
REVERSED_CHECK = 'amount_reversed >= 0 AND amount_reversed <= amount'


def _status_check(statuses):
    return 'status IN (%s)' % ', '.join("'%s'" % s for s in statuses)


def _rewrite_sqlite_payouts(statuses, with_reversed_check):
    """SQLite cannot alter a constraint; editing a CHECK changes nothing on disk, so rewrite
    the table's SQL in the schema (SQLite's documented procedure, as in 0007)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payouts'"
    ).scalar_one()
    sql, replaced = re.subn(
        r"CONSTRAINT ck_payouts_payoutstatus CHECK \(status IN \([^)]*\)\)",
        'CONSTRAINT ck_payouts_payoutstatus CHECK (%s)' % _status_check(statuses),
        sql,
    )
    if replaced != 1:
        raise RuntimeError('payouts.status: the CHECK constraint ck_payouts_payoutstatus was not found')
    sql = re.sub(r",\s*CONSTRAINT ck_payouts_reversed_within_amount CHECK \([^)]*\)", '', sql)
    if with_reversed_check:
        sql = sql.rstrip()
        assert sql.endswith(')')
        sql = sql[:-1].rstrip() + ',\n\tCONSTRAINT ck_payouts_reversed_within_amount CHECK (%s)\n)' % REVERSED_CHECK
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar_one()
    bind.exec_driver_sql('PRAGMA writable_schema = ON')
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'payouts'", (sql,)
    )
    bind.exec_driver_sql('PRAGMA schema_version = %d' % (version + 1))
    bind.exec_driver_sql('PRAGMA writable_schema = OFF')
    if bind.exec_driver_sql('PRAGMA integrity_check').scalar_one() != 'ok':
        raise RuntimeError('payouts schema rewrite failed the integrity check')


def upgrade():
    op.add_column(
        'payouts',
        sa.Column('amount_reversed', sa.BigInteger(), server_default='0', nullable=False),
    )
    if op.get_bind().dialect.name == 'sqlite':
        _rewrite_sqlite_payouts(NEW_STATUSES, with_reversed_check=True)
    else:
        op.drop_constraint(op.f('ck_payouts_payoutstatus'), 'payouts', type_='check')
        op.create_check_constraint(
            op.f('ck_payouts_payoutstatus'), 'payouts', _status_check(NEW_STATUSES)
        )
        op.create_check_constraint(
            op.f('ck_payouts_reversed_within_amount'), 'payouts', REVERSED_CHECK
        )
    op.add_column('refunds', sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('refund_attempts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('refund_id', BigId, nullable=False),
    sa.Column('actor_id', BigId, nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_refund_attempts_actor_id_users')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_refund_attempts_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_attempts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refund_attempts_idempotency_key'))
    )
    with op.batch_alter_table('refund_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_attempts_refund_id'), ['refund_id'], unique=False)


def downgrade():
    with op.batch_alter_table('refund_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_attempts_refund_id'))
    op.drop_table('refund_attempts')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
    op.execute("UPDATE payouts SET status = 'paid' WHERE status = 'reversed'")
    if op.get_bind().dialect.name == 'sqlite':
        _rewrite_sqlite_payouts(OLD_STATUSES, with_reversed_check=False)
        op.execute('ALTER TABLE payouts DROP COLUMN amount_reversed')
    else:
        op.drop_constraint(op.f('ck_payouts_reversed_within_amount'), 'payouts', type_='check')
        op.drop_constraint(op.f('ck_payouts_payoutstatus'), 'payouts', type_='check')
        op.create_check_constraint(
            op.f('ck_payouts_payoutstatus'), 'payouts', _status_check(OLD_STATUSES)
        )
        op.drop_column('payouts', 'amount_reversed')
