"""The spiral's turns: each cycle's previous turn, the measures it carries, the diagnosis catalogue

Revision ID: 0013_turns_catalogue
Revises: 0012_warning_target_links

A cycle points at the same subject's cycle of the period before; the improvement plan of a
closed turn becomes open items of the next (carried_measures); the diagnosis catalogue is kept
as numbered versions of editable data.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_turns_catalogue'
down_revision = '0012_warning_target_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('diagnosis_catalogs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_diagnosis_catalogs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnosis_catalogs')),
    sa.UniqueConstraint('version', name=op.f('uq_diagnosis_catalogs_version'))
    )
    op.create_table('carried_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('from_cycle_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_carried_measures_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['from_cycle_id'], ['cycles.id'], name=op.f('fk_carried_measures_from_cycle_id_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carried_measures')),
    sa.UniqueConstraint('cycle_id', 'from_cycle_id', 'position', name=op.f('uq_carried_measures_cycle_id_from_cycle_id_position'))
    )
    with op.batch_alter_table('carried_measures', schema=None) as batch_op:
        batch_op.create_index('ix_carried_measures_cycle', ['cycle_id'], unique=False)

    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cycles_previous_id'), ['previous_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cycles_previous_id_cycles'), 'cycles', ['previous_id'], ['id'])



def downgrade():
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cycles_previous_id_cycles'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cycles_previous_id'))
        batch_op.drop_column('previous_id')

    with op.batch_alter_table('carried_measures', schema=None) as batch_op:
        batch_op.drop_index('ix_carried_measures_cycle')

    op.drop_table('carried_measures')
    op.drop_table('diagnosis_catalogs')
