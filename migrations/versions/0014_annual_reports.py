"""The annual quality report's tables, fields and chapters per year

Revision ID: 0014_annual_reports
Revises: 0013_turns_catalogue

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_annual_reports'
down_revision = '0013_turns_catalogue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_annual_reports_created_by_id_users')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_annual_reports_period_id_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('period_id', name=op.f('uq_annual_reports_period_id'))
    )


def downgrade():
    op.drop_table('annual_reports')
