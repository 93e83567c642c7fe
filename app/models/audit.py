"""Append-only history, notifications, and the scheduler's bookkeeping."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db
from app.models.org import User
from app.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One state change, decision, edit or reminder. Rows are only ever added."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_cycle_at", "cycle_id", "at"),
                      Index("ix_audit_events_warning_at", "warning_id", "at"),
                      Index("ix_audit_events_target_at", "target_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the scheduler
    action: Mapped[str] = mapped_column(String(32))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    #: What a warning's or a target's history is made of (预警, 目标确认).
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    round: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()
    # Set the object rather than its id: a batch of new warnings then flushes once.
    warning: Mapped["Warning | None"] = relationship()  # noqa: F821 - app.models.indicators
    target: Mapped["Target | None"] = relationship()  # noqa: F821


class ArchivedAuditEvent(db.Model):
    """An audit event moved out of the working table by the archive policy (`flask archive`):
    the routine rows (reminders, drafts, claims) of closed years. Never changed, never deleted;
    the decisions a review needs never come here."""

    __tablename__ = "audit_events_archive"
    __table_args__ = (Index("ix_audit_events_archive_cycle_at", "cycle_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the id it had in audit_events
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))
    cycle_id: Mapped[int | None]
    task_id: Mapped[int | None]
    warning_id: Mapped[int | None]
    target_id: Mapped[int | None]
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    round: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    archived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArchiveGate(db.Model):
    """Present only inside an archiving transaction: SQLite's append-only trigger lets that
    transaction, and no other, delete the archivable rows it has just copied."""

    __tablename__ = "archive_gate"

    id: Mapped[int] = mapped_column(primary_key=True)


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("audit events are append-only")


class Notification(db.Model):
    """An in-app message; written in the same transaction as the change it reports."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(32))  # msgid key, see app.notify.MESSAGES
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    warning: Mapped["Warning | None"] = relationship()  # noqa: F821 - app.models.indicators
    target: Mapped["Target | None"] = relationship()  # noqa: F821


class ReminderLog(db.Model):
    """One reminder rule applied to one task: the unique key that makes reminders idempotent."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("task_id", "rule_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    rule_key: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # sent | skipped
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerTick(db.Model):
    """The scheduler's heartbeat, shown by /healthz."""

    __tablename__ = "scheduler_ticks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
