"""Drafts on fill-in tasks, and delegation back to the owner

Revision ID: 0008_drafts_delegation
Revises: 0007_attachments


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_drafts_delegation'
down_revision = '0007_attachments'
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('delegated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_delegated_by_id_users'), 'users', ['delegated_by_id'], ['id'])




def downgrade():

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_delegated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('delegated_by_id')
        batch_op.drop_column('draft')


