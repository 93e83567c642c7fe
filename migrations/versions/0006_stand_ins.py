"""Stand-ins: a deputy acts for a person over a range of days

Revision ID: 0006_stand_ins
Revises: 0005_task_comments


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_stand_ins'
down_revision = '0005_task_comments'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('stand_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stand_ins_created_by_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_stand_ins_deputy_id_users')),
    sa.ForeignKeyConstraint(['principal_id'], ['users.id'], name=op.f('fk_stand_ins_principal_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stand_ins'))
    )
    with op.batch_alter_table('stand_ins', schema=None) as batch_op:
        batch_op.create_index('ix_stand_ins_deputy_dates', ['deputy_id', 'starts_on', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_stand_ins_principal_id'), ['principal_id'], unique=False)




def downgrade():

    with op.batch_alter_table('stand_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stand_ins_principal_id'))
        batch_op.drop_index('ix_stand_ins_deputy_dates')

    op.drop_table('stand_ins')

