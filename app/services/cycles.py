"""Launch cycles and move them: submit, approve, return for revision, advance on a timer.

Each public function is one action: it loads, checks permission and the rules, applies the
definition's machine to the cycle row, writes audit events and notifications, and commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import access
from app.models import (
    AuditEvent, Course, Cycle, Deliverable, DeliverableVersion, Notification, OrgUnit, Period,
    RoleAssignment, SchoolClass, Task, TaskComment, User, utcnow,
)
from app.notify import group_members, notification_rows, notify, task_recipients
from app.services import annual, deliverables, targets, turns
from app.services.common import TZ, begin_write, fmt, local_deadline, role_holders
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from workflows import CLOSED, Refused, definitions, get_definition
from workflows import guards
from workflows import forms
from workflows.forms import FormErrors, validate
from workflows.model import N_, PLAN_FIELDS, Definition, Stage
from workflows.registry import machine_for

LEVELS = ("school", "major", "course", "teacher", "student")


def definition_for_level(level: str) -> Definition:
    """The newest definition of a level; new cycles start on it."""
    candidates = [d for d in definitions() if d.level == level]
    if not candidates:
        raise Invalid(N_("Unknown level %(level)s."), level=level)
    return max(candidates, key=lambda d: (d.name == level, d.version))


def cycle_title(cycle: Cycle) -> str:
    return title(cycle.subject_name, cycle.period.name)


def title(subject_name: str, period_name: str) -> str:
    """How messages name a cycle: its subject and its period."""
    return f"{subject_name} {period_name}"


def _plan_time(period: Period, days_before_end: int) -> dt.datetime:
    day = period.end - dt.timedelta(days=days_before_end)
    return dt.datetime.combine(day, dt.time(9), tzinfo=TZ).astimezone(dt.timezone.utc)


def _audit(session, action, actor, cycle, task=None, from_stage=None, to_stage=None,
           comment=None, now=None, **data):
    session.add(AuditEvent(action=action, actor_id=actor.id if actor else None,
                           cycle_id=cycle.id, task_id=task.id if task else None,
                           from_stage=from_stage, to_stage=to_stage, round=cycle.round,
                           comment=comment, data=data or None, at=now or utcnow()))


def _tier_unit(session, cycle: Cycle, tier: str) -> OrgUnit:
    """The unit whose role-holders review at `tier` for this cycle."""
    if tier in TREE_TIERS:
        codes = cycle.unit.ancestor_codes()
        units = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
        return tier_in_chain([units[c] for c in codes], tier)
    if tier.startswith("unit:"):
        unit = session.scalars(select(OrgUnit).where(OrgUnit.code == tier[5:])).first()
        if unit is None:
            raise Conflict(N_("The reviewing unit %(unit)s does not exist; ask the administrator."),
                           unit=tier[5:])
        return unit
    raise ValueError(f"unknown review tier {tier!r}")


#: The review tiers found on the way up from a cycle's unit (others name a unit outright).
TREE_TIERS = ("college", "department", "major")


def tier_in_chain(chain: list[OrgUnit], tier: str) -> OrgUnit:
    """The unit at `tier` in a unit's chain of ancestors (the college first, the unit last)."""
    if tier == "college":
        return chain[0]
    kinds = ("department", "office") if tier == "department" else ("major",)
    for unit in reversed(chain):
        if unit.kind in kinds:
            return unit
    return chain[0]


# ---------------------------------------------------------------- launching

@dataclass(frozen=True)
class Subject:
    """What one cycle is about, the unit it belongs to, and who owns it."""

    kind: str  # unit | course | user | class
    id: int
    name: str
    unit: OrgUnit
    owner_id: int | None


@dataclass
class LaunchResult:
    created: list[Cycle] = field(default_factory=list)
    existing: list[Subject] = field(default_factory=list)
    skipped: list[tuple[Subject, str]] = field(default_factory=list)


@dataclass
class LaunchPlan:
    """What launching a level for a period would do: the preview shown before launching."""

    definition: Definition
    period: Period
    new: list[Subject] = field(default_factory=list)
    existing: list[Subject] = field(default_factory=list)
    skipped: list[tuple[Subject, str]] = field(default_factory=list)


def subjects_of(session, definition: Definition) -> list[Subject]:
    """Every subject a definition's cycles are launched for, with its owner (one query each)."""
    kind = definition.subject
    if kind in ("college", "major", "department", "office"):
        query = select(OrgUnit).where(OrgUnit.parent_id.is_(None)) if kind == "college" \
            else select(OrgUnit).where(OrgUnit.kind == kind)
        units = session.scalars(query.order_by(OrgUnit.code)).all()
        owners = role_holders(session, definition.owner_role)
        return [Subject("unit", u.id, u.name, u, owners.get(u.id)) for u in units]
    if kind == "course":
        courses = session.scalars(select(Course).options(joinedload(Course.major))
                                  .order_by(Course.code)).all()
        return [Subject("course", c.id, c.name, c.major, c.lead_id) for c in courses]
    if kind == "class":
        classes = session.scalars(select(SchoolClass).options(joinedload(SchoolClass.major))
                                  .order_by(SchoolClass.name)).all()
        return [Subject("class", c.id, c.name, c.major, c.adviser_id) for c in classes]
    people = session.scalars(
        select(User).options(joinedload(User.unit))
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == definition.owner_role, User.active.is_(True))
        .distinct().order_by(User.username)).all()
    return [Subject("user", u.id, u.name, u.unit, u.id) for u in people]


def plan_launch(session, actor: User | None, level: str, period_id: int) -> LaunchPlan:
    """Which subjects of `level` would get a cycle for the period, which have one, which not."""
    if actor is not None and not access.can_launch(actor):
        raise Forbidden(N_("Only the quality office may launch cycles."))
    definition = definition_for_level(level)
    period = session.get(Period, period_id)
    if period is None:
        raise NotFound(N_("No such period."))
    if period.kind != definition.period:
        raise Invalid(N_("%(level)s cycles run per term; choose a term.") if definition.period == "term"
                      else N_("%(level)s cycles run per academic year; choose a year."),
                      level=definition.label)
    existing = set(session.execute(select(Cycle.subject_kind, Cycle.subject_id).where(
        Cycle.level == level, Cycle.period_id == period.id,
        Cycle.definition_name == definition.name)).all())
    plan = LaunchPlan(definition, period)
    for subject in subjects_of(session, definition):
        if (subject.kind, subject.id) in existing:
            plan.existing.append(subject)
        elif subject.owner_id is None:
            plan.skipped.append((subject, N_("No one is responsible for it yet.")))
        else:
            plan.new.append(subject)
    return plan


def launch_cycles(session, actor: User | None, level: str, period_id: int,
                  now: dt.datetime | None = None) -> LaunchResult:
    """Open one cycle per subject of `level` for the period; subjects with one are left alone."""
    now = now or utcnow()
    begin_write(session)  # two launches at once: the second waits, then finds the cycles
    plan = plan_launch(session, actor, level, period_id)
    definition, period = plan.definition, plan.period
    result = LaunchResult(existing=plan.existing, skipped=plan.skipped)
    before = turns.previous_period(session, period) if definition.spiral else None
    earlier = {} if before is None else {(c.subject_kind, c.subject_id): c for c in session.scalars(
        select(Cycle).where(Cycle.level == level, Cycle.period_id == before.id))}
    for subject, cycle in zip(plan.new, open_cycles(session, actor, definition, period, level,
                                                    plan.new, now), strict=True):
        previous = earlier.get((subject.kind, subject.id))
        if previous is not None:  # the next turn of the same subject's spiral
            turns.carry_over(session, previous, cycle, now)
        result.created.append(cycle)
    session.commit()
    return result


def open_cycle(session, actor: User | None, definition: Definition, period: Period, level: str,
                unit: OrgUnit, subject_kind: str, subject_id: int, subject_name: str,
                owner_id: int, now: dt.datetime) -> Cycle:
    """One new cycle at its first stage, with its owner's fill-in task."""
    return open_cycles(session, actor, definition, period, level,
                       [Subject(subject_kind, subject_id, subject_name, unit, owner_id)], now)[0]


def open_cycles(session, actor: User | None, definition: Definition, period: Period, level: str,
                subjects: list[Subject], now: dt.datetime) -> list[Cycle]:
    """New cycles at their first stage, each with its owner's fill-in task, written together:
    a term's courses are launched at once, in a handful of statements."""
    # The planned dates the timers wait for; a definition without a timer plans the period's end.
    plan = {field: _plan_time(period, 0) for field in PLAN_FIELDS}
    plan.update({s.timer.plan_field: _plan_time(period, s.timer.days_before_period_end)
                 for s in definition.stages if s.timer})
    stage = definition.first_stage
    cycles = [Cycle(level=level, unit=s.unit, subject_kind=s.kind, subject_id=s.id,
                    subject_name=s.name, period=period, definition_name=definition.name,
                    definition_version=definition.version, stage=stage.name, round=1,
                    owner_id=s.owner_id, launched_at=now, stage_entered_at=now, **plan)
              for s in subjects]
    session.add_all(cycles)
    try:
        session.flush()
    except IntegrityError:  # PostgreSQL: another launch created them in the meantime
        session.rollback()
        raise Conflict(N_("Another launch of these cycles is under way; reload and check.")) from None
    due = cycles[0].plan_date(stage.timer.plan_field) if stage.timer and cycles \
        else local_deadline(session, now, stage.fill_days)
    tasks = [Task(cycle=cycle, stage=stage.name, kind="fill", round=1,
                  assignee_id=cycle.owner_id, due_at=due, created_at=now) for cycle in cycles]
    session.add_all(tasks)
    session.flush()
    label = f"{definition.name} v{definition.version}"
    audit = [{"action": "launch", "actor_id": actor.id if actor else None, "cycle_id": c.id,
              "to_stage": c.stage, "round": 1, "at": now, "data": {"definition": label}}
             for c in cycles]
    notes = [row for cycle, task in zip(cycles, tasks, strict=True)
             for row in notification_rows([cycle.owner_id], "task_assigned", task, now,
                                          stage=stage.label, cycle=cycle_title(cycle),
                                          due=fmt(due))]
    # Nothing needs these rows' ids back: two statements, however many cycles.
    if audit:
        session.execute(insert(AuditEvent), audit)
    if notes:
        session.execute(insert(Notification), notes)
    return cycles


def _next_turn(session, cycle: Cycle, actor: User | None, now: dt.datetime) -> None:
    """A closed cycle opens, or links to, its subject's cycle of the next period (if that
    period is in the calendar) and hands it its improvement plan as open items."""
    if not cycle.definition.spiral:
        return
    period = turns.next_period(session, cycle.period)
    if period is None:
        return  # launching that period later links the turns
    following = turns.same_subject(session, cycle, period)
    if following is None:
        definition = definition_for_level(cycle.level)
        if definition.period != period.kind:
            return
        following = open_cycle(session, actor, definition, period, cycle.level, cycle.unit,
                                cycle.subject_kind, cycle.subject_id, cycle.subject_name,
                                cycle.owner_id, now)
    turns.carry_over(session, cycle, following, now)


def _open_fill_task(session, cycle: Cycle, stage: Stage, now: dt.datetime,
                    message: str = "task_assigned", **params) -> Task:
    """Open the owner's fill-in task and tell them, in one notification, why it is there."""
    due = cycle.plan_date(stage.timer.plan_field) if stage.timer else local_deadline(session, now, stage.fill_days)
    task = Task(cycle=cycle, stage=stage.name, kind="fill", round=cycle.round,
                assignee_id=cycle.owner_id, due_at=due, created_at=now)
    session.add(task)
    session.flush()
    notify(session, [cycle.owner_id], message, task, stage=stage.label,
           cycle=cycle_title(cycle), due=fmt(due), **params)
    return task


def _open_review_task(session, cycle: Cycle, definition: Definition, stage: Stage, step: int,
                      now: dt.datetime) -> list[Task]:
    """Open a review step: one task for the group, or, for an "all" step, one per member."""
    review = stage.reviews[step]
    unit = _tier_unit(session, cycle, review.tier)
    due = local_deadline(session, now, definition.review_days)
    holders = group_members(session, review.role, unit) if review.mode == "all" else [None]
    if not holders:
        holders = [None]  # nobody holds the role yet: offer it to the group until someone does
    tasks = []
    for holder in holders:
        task = Task(cycle=cycle, stage=stage.name, kind="review", step=step, round=cycle.round,
                    candidate_role=review.role, candidate_unit=unit, assignee_id=holder,
                    due_at=due, created_at=now)
        session.add(task)
        tasks.append(task)
    session.flush()
    for task in tasks:
        notify(session, task_recipients(session, task), "review_requested", task,
               stage=stage.label, cycle=cycle_title(cycle), due=fmt(task.due_at))
    return tasks


def _step_still_open(session, task: Task) -> bool:
    """Do other reviewers of the same step and round still have to decide?"""
    return session.scalar(select(Task.id).where(
        Task.cycle_id == task.cycle_id, Task.stage == task.stage, Task.round == task.round,
        Task.kind == "review", Task.step == task.step, Task.status == "open",
        Task.id != task.id).limit(1)) is not None


# ---------------------------------------------------------------- acting on tasks

def load_task(session, task_id: int, lock: bool = False) -> Task:
    """The task; unlocked, with its cycle, unit and period (the checks before a lock read
    them); locked, the task row alone, read afresh."""
    query = select(Task).where(Task.id == task_id)
    if lock:
        begin_write(session)
        query = query.with_for_update().execution_options(populate_existing=True)
    else:
        query = query.options(joinedload(Task.cycle).joinedload(Cycle.unit),
                              joinedload(Task.cycle).joinedload(Cycle.period))
    task = session.scalars(query).first()
    if task is None:
        raise NotFound(N_("No such task."))
    return task


def _current_cycle(session, task: Task, lock: bool = False) -> Cycle:
    """The task's cycle read afresh, with its unit and period, in one statement; `lock` also
    locks its row on PostgreSQL (SQLite's write lock is already held)."""
    query = (select(Cycle).options(joinedload(Cycle.unit, innerjoin=True),
                                   joinedload(Cycle.period, innerjoin=True))
             .where(Cycle.id == task.cycle_id).execution_options(populate_existing=True))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Cycle)
    return session.scalars(query).one()


def _decide(session, task: Task, actor: User, outcome: str, comment: str | None,
            now: dt.datetime) -> None:
    """Close the task if nobody else has: the version check makes concurrent decisions lose."""
    result = session.execute(
        update(Task).where(Task.id == task.id, Task.version == task.version,
                           Task.status == "open")
        .values(status="done", outcome=outcome, comment=comment, completed_at=now,
                completed_by_id=actor.id, version=Task.version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(N_("Someone else has just handled this task; reload to see the result."))
    _written(task, status="done", outcome=outcome, comment=comment, completed_at=now,
             completed_by_id=actor.id, version=task.version + 1)


def _written(obj, **values) -> None:
    """Tell the session the values an UPDATE just wrote, rather than reading the row back."""
    for name, value in values.items():
        set_committed_value(obj, name, value)


def _current_checks(task: Task, cycle: Cycle) -> None:
    guards.check_cycle_open(cycle.stage)
    guards.check_task_open(task.status)
    guards.check_task_current(task.stage, task.round, cycle.stage, cycle.round)


def _checked(session, task: Task, fields) -> dict:
    """The stage's deliverable, complete and typed, and keeping the rules of its tables:
    measurable targets and standards, a measure for every target missed."""
    stage = task.cycle.definition.stage(task.stage)
    try:
        data = validate(stage.form, fields)
    except FormErrors as exc:
        raise Invalid(N_("Some fields need attention."), errors=exc.errors) from None
    deliverables.check(session, task.cycle, stage, data)
    if task.cycle.level == annual.PART:
        annual.check_part(session, task.cycle, data)
    return data


def submit(session, task_id: int, actor: User, fields, now: dt.datetime | None = None) -> DeliverableVersion:
    """The owner submits the stage's deliverable; the first review step opens."""
    now = now or utcnow()
    task = load_task(session, task_id)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_submit(task.kind, access.can_submit(actor, task))
    if task.delegated_by_id is not None:
        raise Conflict(N_("This task was delegated to you: hand it back for %(name)s to confirm "
                          "and submit."), name=task.delegated_by.name)
    definition = task.cycle.definition
    stage = definition.stage(task.stage)
    data = _checked(session, task, fields)  # before any lock: checking must not hold others up
    task = load_task(session, task_id, lock=True)
    cycle = _current_cycle(session, task)
    _current_checks(task, cycle)
    _decide(session, task, actor, "submitted", None, now)
    task.draft = None
    deliverable = session.scalars(select(Deliverable).where(
        Deliverable.cycle_id == cycle.id, Deliverable.stage == stage.name)).first()
    if deliverable is None:
        deliverable = Deliverable(cycle_id=cycle.id, stage=stage.name, current_version=0)
        session.add(deliverable)
    deliverable.current_version += 1
    deliverable.status = "submitted"
    version = DeliverableVersion(deliverable=deliverable, number=deliverable.current_version,
                                 round=cycle.round, data=data, author_id=actor.id,
                                 created_at=now)
    session.add(version)
    _audit(session, "submit", actor, cycle, task, from_stage=stage.name, to_stage=stage.name,
           now=now, version=deliverable.current_version)
    if stage.reviews:
        _open_review_task(session, cycle, definition, stage, 0, now)
    else:
        _advance(session, cycle, definition, "complete", actor, now)
    session.commit()
    return version


def approve(session, task_id: int, actor: User, comment: str | None = None,
            now: dt.datetime | None = None) -> Task:
    """A reviewer approves; the next step opens, or the stage is complete and the cycle moves on."""
    now = now or utcnow()
    task, cycle, definition, stage, on_behalf, deliverable = _review_preamble(session, task_id,
                                                                              actor)
    try:
        comment = guards.check_comment(comment)
    except Refused as exc:
        raise Invalid(exc.message, errors={"comment": (exc.message, exc.params)}) from None
    if deliverable is None:
        raise Conflict(N_("The report has not been submitted yet, so it cannot be reviewed."))
    report = deliverable.versions[-1].data
    missed = deliverables.missed_without_measure(session, cycle, report) \
        if deliverables.ACHIEVEMENTS in {f.name for f in stage.form} else []
    if missed:
        raise Conflict(N_("Targets not met are left without an improvement measure (%(targets)s); "
                          "return the report for revision."), targets="、".join(missed))
    _decide(session, task, actor, "approved", comment, now)
    _audit(session, "approve", actor, cycle, task, from_stage=stage.name, to_stage=stage.name,
           comment=comment, now=now, step=task.step,
           **({"on_behalf_of": on_behalf} if on_behalf else {}))
    if stage.reviews[task.step].mode == "all" and _step_still_open(session, task):
        session.commit()  # an "all" step: the others' approvals are still to come
        return task
    if task.step + 1 < len(stage.reviews):
        _open_review_task(session, cycle, definition, stage, task.step + 1, now)
    else:
        deliverable.status = "approved"
        if "targets" in report:  # the approved targets are the unit's for the period
            targets.sync_from_cycle(session, cycle, report["targets"], actor, now)
        if report.get(turns.FOLLOW_UP):  # how the last turn's measures were carried out
            turns.record_follow_up(session, cycle, report[turns.FOLLOW_UP], now)
        if stage.is_timed:  # it stays until its date; the owner hears it was approved
            notify(session, [cycle.owner_id], "approved", task, stage=stage.label,
                   cycle=cycle_title(cycle))
        else:
            guards.check_advance(definition, stage, task.step + 1)
            _advance(session, cycle, definition, "complete", actor, now)
    session.commit()
    return task


def save_draft(session, task_id: int, actor: User, fields,
               now: dt.datetime | None = None) -> Task:
    """Keep a fill-in's work in progress (保存草稿) without submitting it."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_task_open(task.status)
    if task.kind != "fill" or task.assignee_id != actor.id:
        raise Forbidden(N_("Only the person responsible for this task may submit it."))
    try:
        task.draft = forms.draft(task.cycle.definition.stage(task.stage).form, fields)
    except FormErrors as exc:
        raise Invalid(N_("Some fields need attention."), errors=exc.errors) from None
    _audit(session, "draft", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now)
    session.commit()
    return task


def _taker(session, task: Task, user_id: int, not_actor: User | None = None) -> User:
    """The person a task is being handed to, if they can take it (改派 and 委托 alike)."""
    person = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if (person is None or (not_actor is not None and person.id == not_actor.id)
            or not access.may_take_over(person, task)):
        raise Invalid(N_("%(name)s cannot take this task: a review stays with its reviewing "
                         "group, a fill-in with the cycle's unit."),
                      name=person.name if person else "?")
    return person


def _check_not_reviewer(session, person: User, task: Task) -> None:
    """Whoever writes a stage's report must not be one of its reviewers."""
    if _would_review(session, person, task.cycle, task.cycle.definition.stage(task.stage)):
        raise Invalid(N_("%(name)s reviews this stage and cannot also write its report."),
                      name=person.name)


def delegate(session, task_id: int, actor: User, to_user_id: int, note: str | None,
             now: dt.datetime | None = None) -> Task:
    """Hand a fill-in to a colleague to prepare; it comes back to the actor to confirm (委托)."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_task_open(task.status)
    if not access.can_delegate(actor, task):
        raise Forbidden(N_("Only the person holding a fill-in task may delegate it, once at a time."))
    colleague = _taker(session, task, to_user_id, not_actor=actor)
    _check_not_reviewer(session, colleague, task)
    try:
        note = guards.check_comment(note)
    except Refused as exc:
        raise Invalid(exc.message) from None
    _set_holder(session, task, actor.id, colleague.id)
    task.delegated_by_id = actor.id
    stage = task.cycle.definition.stage(task.stage)
    notify(session, [colleague.id], "delegated", task, who=actor.name, stage=stage.label,
           cycle=cycle_title(task.cycle), due=fmt(task.due_at))
    _audit(session, "delegate", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, comment=note, now=now, to_user=colleague.id)
    session.commit()
    return task


def resolve(session, task_id: int, actor: User, fields, now: dt.datetime | None = None) -> Task:
    """The delegate hands the prepared report back; the owner then confirms and submits it."""
    now = now or utcnow()
    task = load_task(session, task_id)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    if not access.can_resolve(actor, task):
        raise Forbidden(N_("Only the colleague this task was delegated to may hand it back."))
    data = _checked(session, task, fields)  # so the owner can submit it as it is
    task = load_task(session, task_id, lock=True)
    owner_id = task.delegated_by_id
    if task.status != "open" or task.assignee_id != actor.id or owner_id is None:
        raise Conflict(N_("This task has already been handled."))
    _set_holder(session, task, actor.id, owner_id)
    task.delegated_by_id = None
    task.draft = data
    stage = task.cycle.definition.stage(task.stage)
    notify(session, [owner_id], "resolved", task, who=actor.name, stage=stage.label,
           cycle=cycle_title(task.cycle))
    _audit(session, "resolve", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now, to_user=owner_id)
    session.commit()
    return task


def claim(session, task_id: int, actor: User, now: dt.datetime | None = None) -> Task:
    """Take a group task for oneself, so the rest of the group no longer sees it."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_task_open(task.status)
    if task.assignee_id is not None:
        _refuse_held(session, task, actor)
    if not access.in_candidate_group(actor, task):
        raise Forbidden(N_("Only a member of the group this task is offered to may claim it."))
    if _author_of_current(session, task) == actor.id:
        raise Forbidden(N_("You cannot review a report you submitted yourself."))
    _set_holder(session, task, None, actor.id)
    _audit(session, "claim", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now)
    session.commit()
    return task


def release(session, task_id: int, actor: User, now: dt.datetime | None = None) -> Task:
    """Give a claimed group task back to its group."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_task_open(task.status)
    if not access.can_release(actor, task):
        raise Forbidden(N_("Only the person who claimed this task may release it."))
    _set_holder(session, task, actor.id, None)
    _audit(session, "release", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now)
    session.commit()
    return task


def _set_holder(session, task: Task, expected: int | None, holder: int | None) -> None:
    """Change who holds a task, only if it is still held by `expected`."""
    held_by = Task.assignee_id.is_(None) if expected is None else Task.assignee_id == expected
    result = session.execute(
        update(Task).where(Task.id == task.id, Task.status == "open", held_by)
        .values(assignee_id=holder, version=Task.version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        _refuse_held(session, load_task(session, task.id), None)
    session.refresh(task)


def _refuse_held(session, task: Task, actor: User | None):
    if task.status != "open":
        raise Conflict(N_("This task has already been handled."))
    if actor is not None and task.assignee_id == actor.id:
        raise Conflict(N_("You have already claimed this task."))
    holder = session.get(User, task.assignee_id) if task.assignee_id else None
    raise Conflict(N_("%(name)s has already claimed this task."),
                   name=holder.name if holder else "?")


def reassign(session, task_id: int, actor: User, to_user_id: int, reason: str | None,
             now: dt.datetime | None = None) -> Task:
    """Hand an open task to another person (改派); they must be able to take it."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    guards.check_task_open(task.status)
    if not access.can_reassign(actor, task):
        raise Forbidden(N_("Only the unit leader or the quality office may reassign this task."))
    person = _taker(session, task, to_user_id)
    if task.assignee_id == person.id:
        raise Conflict(N_("%(name)s already has this task."), name=person.name)
    if task.kind == "fill":
        _check_not_reviewer(session, person, task)
    try:
        note = guards.check_comment(reason)
    except Refused as exc:
        raise Invalid(exc.message, errors={"reason": (exc.message, exc.params)}) from None
    previous = task.assignee_id
    _set_holder(session, task, previous, person.id)
    stage = task.cycle.definition.stage(task.stage)
    notify(session, [person.id], "reassigned", task, who=actor.name, stage=stage.label,
           cycle=cycle_title(task.cycle), due=fmt(task.due_at))
    _audit(session, "reassign", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, comment=note, now=now, from_user=previous, to_user=person.id)
    session.commit()
    return task


def add_comment(session, task_id: int, actor: User, body: str | None,
                now: dt.datetime | None = None) -> TaskComment:
    """Add to the thread under a task; the people on the task and the cycle's owner hear of it."""
    now = now or utcnow()
    task = load_task(session, task_id)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    try:
        text = guards.check_comment(body)
    except Refused as exc:
        raise Invalid(exc.message, errors={"body": (exc.message, exc.params)}) from None
    if not text:
        raise Invalid(N_("Write something first."), errors={"body": (N_("Write something first."), {})})
    comment = TaskComment(task_id=task.id, author_id=actor.id, body=text, created_at=now)
    session.add(comment)
    stage = task.cycle.definition.stage(task.stage)
    readers = [u for u in [*task_recipients(session, task), task.cycle.owner_id] if u != actor.id]
    notify(session, readers, "commented", task, who=actor.name, stage=stage.label,
           cycle=cycle_title(task.cycle))
    _audit(session, "comment", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now)
    session.commit()
    return comment


def return_for_revision(session, task_id: int, actor: User, comment: str | None,
                        now: dt.datetime | None = None) -> Task:
    """A reviewer returns the deliverable to its author with a reason; a new round starts."""
    now = now or utcnow()
    task, cycle, definition, stage, on_behalf, deliverable = _review_preamble(session, task_id,
                                                                              actor)
    try:
        reason = guards.check_return_reason(comment)
    except Refused as exc:
        raise Invalid(exc.message, errors={"comment": (exc.message, exc.params)}) from None
    _decide(session, task, actor, "returned", reason, now)
    # One return decides an "all" step: the other reviewers' tasks close with it.
    session.execute(update(Task).where(
        Task.cycle_id == cycle.id, Task.stage == task.stage, Task.round == task.round,
        Task.kind == "review", Task.status == "open")
        .values(status="done", outcome="withdrawn", completed_at=now, version=Task.version + 1)
        .execution_options(synchronize_session=False))
    deliverable.status = "returned"
    _audit(session, "return", actor, cycle, task, from_stage=stage.name, to_stage=stage.name,
           comment=reason, now=now, step=task.step,
           **({"on_behalf_of": on_behalf} if on_behalf else {}))
    _bump_cycle(session, cycle, stage=cycle.stage, round=cycle.round + 1)
    _open_fill_task(session, cycle, stage, now, "returned", reason=reason)
    session.commit()
    return task


def _review_preamble(session, task_id, actor):
    task = load_task(session, task_id, lock=True)
    # The caller may have read it before the lock; on PostgreSQL, lock it too, so that the
    # last two approvals of an "all" step cannot both think the other is still pending.
    cycle = _current_cycle(session, task, lock=True)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    _current_checks(task, cycle)
    definition = cycle.definition
    stage = definition.stage(task.stage)
    # A deputy standing in for a reviewer (代理) decides on the reviewer's behalf.
    on_behalf = (access.acting_for(actor, task)
                 if task.kind == "review" and not _own_right(actor, task) else None)
    if (task.kind == "review" and task.assignee_id not in (None, actor.id)
            and access.in_candidate_group(actor, task)):
        _refuse_held(session, task, actor)
    deliverable = _deliverable(session, cycle, task.stage, required=False)
    # Whoever decides, in their own right or standing in for someone, must not be its author.
    is_author = bool(deliverable and deliverable.versions
                     and deliverable.versions[-1].author_id in {actor.id, on_behalf})
    try:
        guards.check_review(task.kind, access.can_review(actor, task),
                            stage.reviews[task.step].label if task.kind == "review" else "",
                            is_author, deliverable is not None and deliverable.status == "submitted")
    except Refused as exc:
        if task.kind == "review" and not access.can_review(actor, task):
            raise Forbidden(exc.message, **exc.params) from None
        raise
    return task, cycle, definition, stage, on_behalf, deliverable


def _author_of_current(session, task: Task) -> int | None:
    deliverable = _deliverable(session, task.cycle, task.stage, required=False)
    return deliverable.versions[-1].author_id if deliverable and deliverable.versions else None


def _would_review(session, person: User, cycle: Cycle, stage: Stage) -> bool:
    """Would `person` be one of the reviewers of this stage's report?"""
    return any(access.has_role_over(person, step.role, _tier_unit(session, cycle, step.tier))
               for step in stage.reviews)


def _own_right(actor: User, task: Task) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == actor.id
    return access.in_candidate_group(actor, task)


def _deliverable(session, cycle, stage_name, required=True) -> Deliverable | None:
    deliverable = session.scalars(select(Deliverable).where(
        Deliverable.cycle_id == cycle.id, Deliverable.stage == stage_name)).first()
    if deliverable is None and required:
        raise Conflict(N_("The report has not been submitted yet, so it cannot be reviewed."))
    return deliverable


def _bump_cycle(session, cycle: Cycle, **values) -> None:
    """Update the cycle row if nobody else has moved it since we read it."""
    result = session.execute(
        update(Cycle).where(Cycle.id == cycle.id, Cycle.version == cycle.version)
        .values(version=Cycle.version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(N_("This cycle has just changed; reload to see where it stands."))
    _written(cycle, version=cycle.version + 1, **values)


def _advance(session, cycle: Cycle, definition: Definition, trigger: str, actor: User | None,
             now: dt.datetime) -> None:
    """Fire `trigger` on the cycle's stage and open the next stage's work."""
    before = cycle.stage
    after = machine_for(definition).fire(before, trigger)
    values = {"stage": after, "round": 1, "stage_entered_at": now}
    if after == CLOSED:
        values["closed_at"] = now
    _audit(session, "timer" if trigger == "timer" else "advance", actor, cycle,
           from_stage=before, to_stage=after, now=now)
    _bump_cycle(session, cycle, **values)
    if after != CLOSED:
        _open_fill_task(session, cycle, definition.stage(after), now, "stage_advanced")
    else:
        _next_turn(session, cycle, actor, now)


def advance_timers(session, now: dt.datetime) -> list[int]:
    """Move every time-boxed cycle whose planned date has passed; safe to run twice."""
    moved: list[int] = []
    for _ in range(10):  # a cycle may pass several timers after downtime
        due = [cycle_id for cycle_id, name, version, stage_name, monitor_at, diagnose_at
               in session.execute(select(Cycle.id, Cycle.definition_name, Cycle.definition_version,
                                         Cycle.stage, Cycle.monitor_at, Cycle.diagnose_at)
                                  .where(or_(*(and_(Cycle.stage == stage,
                                                    getattr(Cycle, plan_field) <= now)
                                               for stage, plan_field in _timers()))))
               if _timer_due(get_definition(name, version), stage_name,
                             {"monitor_at": monitor_at, "diagnose_at": diagnose_at}, now)]
        session.rollback()
        if not due:
            break
        for cycle_id in due:
            if _advance_one_timer(session, cycle_id, now):
                moved.append(cycle_id)
    return moved


def _timer_due(definition: Definition, stage_name: str, plan: dict, now: dt.datetime) -> bool:
    stage = definition.stage(stage_name)
    return stage.timer is not None and plan[stage.timer.plan_field] <= now


def _advance_one_timer(session, cycle_id: int, now: dt.datetime) -> bool:
    """Close a time-boxed stage in one transaction, re-checked under the write lock."""
    begin_write(session)
    query = select(Cycle).where(Cycle.id == cycle_id).with_for_update() \
        .execution_options(populate_existing=True)
    cycle = session.scalars(query).one()
    definition = cycle.definition
    if cycle.stage == CLOSED or not _timer_due(
            definition, cycle.stage, {f: cycle.plan_date(f) for f in ("monitor_at", "diagnose_at")}, now):
        session.rollback()
        return False  # another scheduler, or a person, moved it first
    stage = definition.stage(cycle.stage)
    # Only tasks still open expire; a decision committed first keeps its outcome.
    session.execute(update(Task).where(Task.cycle_id == cycle.id, Task.stage == stage.name,
                                       Task.status == "open")
                    .values(status="done", outcome="expired", completed_at=now,
                            version=Task.version + 1)
                    .execution_options(synchronize_session=False))
    deliverable = _deliverable(session, cycle, stage.name, required=False)
    if deliverable is not None and deliverable.status == "submitted":
        deliverable.status = "expired"
    try:
        _advance(session, cycle, definition, "timer", None, now)
    except Conflict:
        return False
    session.commit()
    return True


def _timers() -> list[tuple[str, str]]:
    """Each time-boxed stage with the plan date that ends it, across all definitions: the
    tick reads only the cycles whose date has come (an index per plan date)."""
    return sorted({(s.name, s.timer.plan_field) for d in definitions() for s in d.stages
                   if s.timer})
