"""Cycles are about a subject (unit, course, teacher or class); add classes

Revision ID: 0004_cycle_subjects
Revises: 0003_audit_append_only

Existing cycles are about their unit; their subject is filled from it.
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_cycle_subjects'
down_revision = '0003_audit_append_only'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'classes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('major_id', sa.Integer(), nullable=False),
        sa.Column('adviser_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['adviser_id'], ['users.id'], name=op.f('fk_classes_adviser_id_users')),
        sa.ForeignKeyConstraint(['major_id'], ['org_units.id'], name=op.f('fk_classes_major_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_classes')),
        sa.UniqueConstraint('name', name=op.f('uq_classes_name')),
    )
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classes_major_id'), ['major_id'], unique=False)

    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_name', sa.String(length=100), nullable=True))
    op.execute("""
        UPDATE cycles SET subject_kind = 'unit', subject_id = unit_id,
               subject_name = (SELECT name FROM org_units WHERE org_units.id = cycles.unit_id)
    """)
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        for column, kind in (('subject_kind', sa.String(length=16)), ('subject_id', sa.Integer()),
                             ('subject_name', sa.String(length=100))):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.drop_constraint('uq_cycles_level_unit_id_period_id_definition_name', type_='unique')
        batch_op.create_unique_constraint(
            'uq_cycles_subject_period',
            ['level', 'subject_kind', 'subject_id', 'period_id', 'definition_name'])


def downgrade():
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_constraint('uq_cycles_subject_period', type_='unique')
        batch_op.create_unique_constraint('uq_cycles_level_unit_id_period_id_definition_name',
                                          ['level', 'unit_id', 'period_id', 'definition_name'])
        batch_op.drop_column('subject_name')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_kind')
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classes_major_id'))
    op.drop_table('classes')
