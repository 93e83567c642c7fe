"""Each open task says when the scheduler next needs to look at it for a reminder; timers by
their plan dates

Revision ID: 0016_task_remind_at
Revises: 0015_audit_archive

The tick used to read every open task due within a week, overdue ones included, at every run;
now it reads only the tasks whose `remind_at` has come (a partial index of open tasks), so its
cost follows what is due, not how much there is. Open tasks start at their creation time: the
first tick after the upgrade looks at each once and sets the exact next time. Likewise the
timers read only the cycles whose plan date has come, by (stage, plan date).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_task_remind_at'
down_revision = '0015_audit_archive'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE tasks SET remind_at = created_at WHERE status = 'open'")
    op.create_index('ix_tasks_open_remind_at', 'tasks', ['remind_at'], unique=False,
                    postgresql_where=sa.text("status = 'open'"),
                    sqlite_where=sa.text("status = 'open'"))
    op.create_index('ix_cycles_stage_monitor_at', 'cycles', ['stage', 'monitor_at'])
    op.create_index('ix_cycles_stage_diagnose_at', 'cycles', ['stage', 'diagnose_at'])


def downgrade():
    op.drop_index('ix_cycles_stage_diagnose_at', table_name='cycles')
    op.drop_index('ix_cycles_stage_monitor_at', table_name='cycles')
    op.drop_index('ix_tasks_open_remind_at', table_name='tasks',
                  postgresql_where=sa.text("status = 'open'"),
                  sqlite_where=sa.text("status = 'open'"))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('remind_at')
