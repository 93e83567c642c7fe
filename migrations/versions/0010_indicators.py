"""The indicator library and measurements

Revision ID: 0010_indicators
Revises: 0009_launch_plans


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_indicators'
down_revision = '0009_launch_plans'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit_label', sa.String(length=16), nullable=False),
    sa.Column('data_type', sa.String(length=16), nullable=False),
    sa.Column('operator', sa.String(length=2), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('warn', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('severe', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_indicators_code_version'))
    )
    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_label', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('supplied_by_id', sa.Integer(), nullable=True),
    sa.Column('supplied_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['supplied_by_id'], ['users.id'], name=op.f('fk_measurements_supplied_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_measurements_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements')),
    sa.UniqueConstraint('indicator_code', 'unit_id', 'period_label', name=op.f('uq_measurements_indicator_code_unit_id_period_label'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index('ix_measurements_unit_period', ['unit_id', 'period_label'], unique=False)




def downgrade():

    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_measurements_unit_period')

    op.drop_table('measurements')
    op.drop_table('indicators')

