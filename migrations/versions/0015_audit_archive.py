"""Archive for the routine audit rows of closed years

Revision ID: 0015_audit_archive
Revises: 0014_annual_reports

The audit trail stays append-only in the database: its trigger now lets exactly one path delete,
the archiving transaction (PostgreSQL: `SET LOCAL spiral.archiving = 'on'`; SQLite: a row in
archive_gate), and only routine rows (reminders, drafts, claims, releases), which it has copied
into audit_events_archive first. The archive itself refuses updates and deletes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_audit_archive'
down_revision = '0014_annual_reports'
branch_labels = None
depends_on = None

ROUTINE = "('remind', 'draft', 'claim', 'release')"


def upgrade():
    op.create_table('archive_gate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_gate'))
    )
    op.create_table('audit_events_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('from_stage', sa.String(length=32), nullable=True),
    sa.Column('to_stage', sa.String(length=32), nullable=True),
    sa.Column('round', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events_archive'))
    )
    with op.batch_alter_table('audit_events_archive', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_archive_cycle_at', ['cycle_id', 'at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
                   AND current_setting('spiral.archiving', true) = 'on'
                   AND OLD.action IN {ROUTINE} THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION 'audit events are append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_archive_append_only
            BEFORE UPDATE OR DELETE ON audit_events_archive
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute(f"""
            CREATE TRIGGER audit_events_no_delete
            BEFORE DELETE ON audit_events
            WHEN NOT (OLD.action IN {ROUTINE} AND EXISTS (SELECT 1 FROM archive_gate))
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """)
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_archive_no_{event.lower()}
                BEFORE {event} ON audit_events_archive
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_archive_append_only ON audit_events_archive")
        op.execute("""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit events are append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("""
            CREATE TRIGGER audit_events_no_delete
            BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """)
    with op.batch_alter_table('audit_events_archive', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_archive_cycle_at')
    op.drop_table('audit_events_archive')
    op.drop_table('archive_gate')
