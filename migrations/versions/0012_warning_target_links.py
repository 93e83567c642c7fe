"""Warnings and targets in the audit trail and notifications; confirmation deadlines

Revision ID: 0012_warning_target_links
Revises: 0011_targets_warnings

A warning's and a target's history are audit rows, and notifications link to them. On SQLite
the audit table is rebuilt to add its foreign keys, which drops its append-only triggers: they
are made again at once (0003_audit_append_only).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_warning_target_links'
down_revision = '0011_targets_warnings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_events_target_at', ['target_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_warning_at', ['warning_id', 'at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_warning_id_warnings'), 'warnings', ['warning_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_target_id_targets'), 'targets', ['target_id'], ['id'])
    _sqlite_append_only()

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_target_id_targets'), 'targets', ['target_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notifications_warning_id_warnings'), 'warnings', ['warning_id'], ['id'])

    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_by', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_targets_status_confirm_by', ['status', 'confirm_by'], unique=False)

def downgrade():
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_status_confirm_by')
        batch_op.drop_column('confirm_by')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_warning_id_warnings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notifications_target_id_targets'), type_='foreignkey')
        batch_op.drop_column('target_id')
        batch_op.drop_column('warning_id')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_events_target_id_targets'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_events_warning_id_warnings'), type_='foreignkey')
        batch_op.drop_index('ix_audit_events_warning_at')
        batch_op.drop_index('ix_audit_events_target_at')
        batch_op.drop_column('target_id')
        batch_op.drop_column('warning_id')
    _sqlite_append_only()

def _sqlite_append_only():
    """Re-make the triggers a rebuilt SQLite audit table lost (PostgreSQL keeps its own)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event.lower()}")
        op.execute(f"""
            CREATE TRIGGER audit_events_no_{event.lower()}
            BEFORE {event} ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """)
