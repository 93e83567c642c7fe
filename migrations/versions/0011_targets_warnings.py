"""Targets, warnings and standards; indicator versions by data period

Revision ID: 0011_targets_warnings
Revises: 0010_indicators

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_targets_warnings'
down_revision = '0010_indicators'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('indicator_codes', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standards')),
    sa.UniqueConstraint('code', name=op.f('uq_standards_code'))
    )
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('baseline', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_targets_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_targets_decided_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['targets.id'], name=op.f('fk_targets_parent_id_targets')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_targets_period_id_periods')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_targets_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
    sa.UniqueConstraint('unit_id', 'period_id', 'indicator_code', name=op.f('uq_targets_unit_id_period_id_indicator_code'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('ix_targets_parent', ['parent_id'], unique=False)
        batch_op.create_index('ix_targets_period_status', ['period_id', 'status'], unique=False)

    op.create_table('warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_label', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('latest_value', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('measure', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_warnings_closed_by_id_users')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_warnings_owner_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_warnings_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings')),
    sa.UniqueConstraint('indicator_code', 'unit_id', 'period_label', name=op.f('uq_warnings_indicator_code_unit_id_period_label'))
    )
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.create_index('ix_warnings_owner_state', ['owner_id', 'state'], unique=False)
        batch_op.create_index('ix_warnings_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_warnings_unit_state', ['unit_id', 'state'], unique=False)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_label', sa.String(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))

    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_label', sa.String(length=32), nullable=True))



def downgrade():
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('data_label')

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('from_label')

    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_warnings_unit_state')
        batch_op.drop_index('ix_warnings_state_due')
        batch_op.drop_index('ix_warnings_owner_state')

    op.drop_table('warnings')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_period_status')
        batch_op.drop_index('ix_targets_parent')

    op.drop_table('targets')
    op.drop_table('standards')
