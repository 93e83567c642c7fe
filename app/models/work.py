"""Cycles of the spiral, the tasks that move them, and the deliverables they produce."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.org import OrgUnit, Period, User
from app.models.types import UTCDateTime, utcnow


class Cycle(db.Model):
    """One turn of one subject's spiral for one period (e.g. 软件技术, 2026-2027学年).

    The subject is what the cycle is about: a unit (the college, a major), a course, a
    teacher or a class. `unit_id` is the unit it belongs to, which decides who supervises it.
    `stage` is the only truth for where the cycle stands; `round` counts the revisions
    of the current stage and starts again at 1 in each stage.
    """

    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("level", "subject_kind", "subject_id", "period_id", "definition_name",
                         name="uq_cycles_subject_period"),
        Index("ix_cycles_level_stage", "level", "stage"),
        # The scheduler's timers: cycles in a time-boxed stage whose planned date has come.
        Index("ix_cycles_stage_monitor_at", "stage", "monitor_at"),
        Index("ix_cycles_stage_diagnose_at", "stage", "diagnose_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # unit | course | user | class
    subject_id: Mapped[int]
    subject_name: Mapped[str] = mapped_column(String(100))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    definition_name: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[int]
    stage: Mapped[str] = mapped_column(String(32))
    round: Mapped[int] = mapped_column(default=1)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    monitor_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    diagnose_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    launched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    stage_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The same subject's cycle of the period before: the spiral's previous turn.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[OrgUnit] = relationship()
    period: Mapped[Period] = relationship()
    owner: Mapped[User] = relationship()

    @property
    def definition(self):
        from workflows import get_definition
        return get_definition(self.definition_name, self.definition_version)

    def plan_date(self, field: str) -> dt.datetime:
        return getattr(self, field)


class Task(db.Model):
    """A piece of work: fill a stage's deliverable, or review it at one step of the chain.

    A task has an assignee, or a candidate group (a role at a unit, inherited downwards).
    `version` guards against two people deciding the same task at once.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        # Overdue lists come from it in their order (due, then id); the dashboard's counts of
        # open work read it alone.
        Index("ix_tasks_status_due_id_kind", "status", "due_at", "id", "kind"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
        # A group's open, unclaimed tasks, exactly (without the assignee SQLite's planner could
        # take the index above for them and read every unclaimed task).
        Index("ix_tasks_group_open", "candidate_role", "candidate_unit_id", "status",
              "assignee_id"),
        Index("ix_tasks_cycle_stage", "cycle_id", "stage"),
        # The scheduler's queue: only open tasks, by when each next needs a reminder.
        Index("ix_tasks_open_remind_at", "remind_at", postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
    )

    #: How long before its due date a task can first need a reminder (the earliest rule of
    #: any policy is days before; a week and a day is room to spare).
    REMINDER_LEAD = dt.timedelta(days=8)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    stage: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # fill | review
    step: Mapped[int] = mapped_column(default=0)  # review step index within the chain
    round: Mapped[int] = mapped_column(default=1)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    candidate_role: Mapped[str | None] = mapped_column(String(32))
    candidate_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))  # submitted|approved|returned|expired
    comment: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalation_tier: Mapped[int] = mapped_column(default=0)
    #: When the scheduler next looks at this task for a reminder (None: no rule is left). It
    #: starts a little before any rule could fire; each tick sets the next rule's time.
    remind_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Work in progress on a fill-in: saved by its holder, or handed back by a delegate.
    draft: Mapped[dict | None] = mapped_column(JSON)
    #: Set while the task is delegated: who handed it over and expects it back (委托).
    delegated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[Cycle] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    delegated_by: Mapped[User | None] = relationship(foreign_keys=[delegated_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    candidate_unit: Mapped[OrgUnit | None] = relationship()

    @validates("due_at")
    def _schedule_reminders(self, _key, due_at: dt.datetime) -> dt.datetime:
        """A new due date brings the task back to the scheduler in good time."""
        self.remind_at = due_at - self.REMINDER_LEAD if due_at else None
        return due_at

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.status == "open" and self.due_at < now

    def days_overdue(self, now: dt.datetime) -> int:
        return max(0, (now - self.due_at).days) if self.is_overdue(now) else 0


class LaunchPlan(db.Model):
    """The quality office's plan to open a level's cycles for a period on a given day; the
    scheduler carries it out on that day (or at the first tick after it)."""

    __tablename__ = "launch_plans"
    __table_args__ = (UniqueConstraint("level", "period_id"),
                      Index("ix_launch_plans_due", "launched_at", "launch_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    launch_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    launched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_count: Mapped[int | None]

    period: Mapped[Period] = relationship()
    created_by: Mapped[User] = relationship()


class Attachment(db.Model):
    """Evidence for a stage (佐证材料): stored outside the web root under a random name."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_cycle_stage", "cycle_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    stage: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    name: Mapped[str] = mapped_column(String(120))  # as the uploader called it, cleaned
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # pdf, docx, xlsx, pptx, png, jpg
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()


class TaskComment(db.Model):
    """One message in the thread under a task; never edited, never deleted."""

    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_at", "task_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class Deliverable(db.Model):
    """The product of one stage of one cycle (目标表, 实施方案, 自我诊断报告, …)."""

    __tablename__ = "deliverables"
    __table_args__ = (UniqueConstraint("cycle_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|returned|approved
    current_version: Mapped[int] = mapped_column(default=0)

    versions: Mapped[list[DeliverableVersion]] = relationship(
        order_by="DeliverableVersion.number", back_populates="deliverable")


class DeliverableVersion(db.Model):
    """One submitted version of a deliverable; never changed, never deleted."""

    __tablename__ = "deliverable_versions"
    __table_args__ = (UniqueConstraint("deliverable_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id"))
    number: Mapped[int]
    round: Mapped[int]
    data: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship(back_populates="versions")
    author: Mapped[User] = relationship()


class CarriedMeasure(db.Model):
    """An improvement measure (改进措施) planned by one turn and followed up by the next: the
    open items a new cycle starts with, and how each was carried out (落实情况)."""

    __tablename__ = "carried_measures"
    __table_args__ = (Index("ix_carried_measures_cycle", "cycle_id"),
                      UniqueConstraint("cycle_id", "from_cycle_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    from_cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    position: Mapped[int]  # the row of the improvement plan it came from, from 1
    problem: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|done|partial|not_done
    follow_up: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DiagnosisCatalog(db.Model):
    """One version of the diagnosis catalogue (诊断项目 → 诊断要素 → 诊断点): editable data; a
    self-diagnosis keeps the version it was written against."""

    __tablename__ = "diagnosis_catalogs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnualReport(db.Model):
    """The year's annual quality report (质量年报): which tables and fields it has, where each
    value comes from, who writes which chapter. Values and chapters themselves are the offices'
    reviewed contributions (cycles of the annual_part definition)."""

    __tablename__ = "annual_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), unique=True)
    config: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    period: Mapped[Period] = relationship()

    __mapper_args__ = {"version_id_col": version}
