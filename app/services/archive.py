"""The archive policy: keep the working tables lean without losing what a review needs.

Before a cut-off at least a year back, it
- moves the routine audit rows (reminders, drafts, claims, releases) into audit_events_archive,
  where they stay, append-only; every decision, state change, comment and urge stays where it is;
- deletes notifications that were read (a message, not evidence; the audit row of what it
  reported stays);
- deletes the reminder log of tasks closed (it only keeps open tasks from being reminded twice).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, literal, select, text

from app.models import (
    ArchiveGate, ArchivedAuditEvent, AuditEvent, Notification, ReminderLog, Task, utcnow,
)
from app.models.types import UTCDateTime
from app.services.common import exclusive
from app.services.errors import Invalid
from workflows.model import N_

#: The audit actions the archive moves; the database's trigger lets it delete these only.
ROUTINE = ("remind", "draft", "claim", "release")
#: The archive never touches the last year.
MIN_AGE = dt.timedelta(days=365)
COLUMNS = ("id", "at", "actor_id", "action", "cycle_id", "task_id", "warning_id", "target_id",
           "from_stage", "to_stage", "round", "comment", "data")


@dataclass
class Result:
    audit: int
    notifications: int
    reminder_log: int


def run(session, before: dt.datetime, dry_run: bool = False,
        now: dt.datetime | None = None) -> Result:
    """Archive what is older than `before` (at least a year back); with `dry_run`, only count."""
    now = now or utcnow()
    if before > now - MIN_AGE:
        raise Invalid(N_("The archive keeps the last year: choose a cut-off before %(day)s."),
                      day=(now - MIN_AGE).date().isoformat())
    exclusive(session, "archive")
    routine = (AuditEvent.action.in_(ROUTINE), AuditEvent.at < before)
    read = (Notification.read_at.is_not(None), Notification.created_at < before)
    closed = ReminderLog.task_id.in_(select(Task.id).where(Task.status == "done",
                                                           Task.completed_at < before))
    result = Result(
        audit=session.scalar(select(func.count()).select_from(AuditEvent).where(*routine)),
        notifications=session.scalar(select(func.count()).select_from(Notification)
                                     .where(*read)),
        reminder_log=session.scalar(select(func.count()).select_from(ReminderLog).where(closed)))
    if dry_run:
        session.rollback()
        return result
    columns = [getattr(AuditEvent, c) for c in COLUMNS]
    session.execute(insert(ArchivedAuditEvent).from_select(
        [*COLUMNS, "archived_at"],
        select(*columns, literal(now, type_=UTCDateTime())).where(*routine)))
    _open_gate(session)
    session.execute(delete(AuditEvent).where(*routine))
    _close_gate(session)
    session.execute(delete(Notification).where(*read))
    session.execute(delete(ReminderLog).where(closed))
    session.add(AuditEvent(action="archive", at=now, data={
        "before": before.isoformat(), "audit": result.audit,
        "notifications": result.notifications, "reminder_log": result.reminder_log}))
    session.commit()
    return result


def _open_gate(session) -> None:
    """Let this transaction, and only it, delete the routine rows it has just copied."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL spiral.archiving = 'on'"))
    else:
        session.add(ArchiveGate(id=1))
        session.flush()


def _close_gate(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL spiral.archiving = 'off'"))
    else:
        session.execute(delete(ArchiveGate))
