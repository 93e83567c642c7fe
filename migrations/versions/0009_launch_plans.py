"""Launch plans: the scheduler opens a level's cycles on a planned day

Revision ID: 0009_launch_plans
Revises: 0008_drafts_delegation


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_launch_plans'
down_revision = '0008_drafts_delegation'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('launch_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('launch_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('launched_at', sa.DateTime(), nullable=True),
    sa.Column('created_count', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_launch_plans_created_by_id_users')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_launch_plans_period_id_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_launch_plans')),
    sa.UniqueConstraint('level', 'period_id', name=op.f('uq_launch_plans_level_period_id'))
    )
    with op.batch_alter_table('launch_plans', schema=None) as batch_op:
        batch_op.create_index('ix_launch_plans_due', ['launched_at', 'launch_on'], unique=False)




def downgrade():

    with op.batch_alter_table('launch_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_launch_plans_due')

    op.drop_table('launch_plans')

