"""Read-side queries shared by the web pages and the API; each is one query, never one per row."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from app import access
from app.services.measurements import data_label
from app.models import (
    Attachment, AuditEvent, Cycle, Deliverable, DeliverableVersion, Measurement, Notification,
    OrgUnit, Target, Task, TaskComment, User, Warning, in_subtree,
)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _paginate(session, query, page: int, per_page: int, total: int | None = None) -> Page:
    """A page of `query`; `total`, when the caller has counted already, saves counting again."""
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items, page, per_page, total)


@dataclass
class TaskFilters:
    """What a task list is narrowed to and sorted by; read from and written to the URL."""

    level: str | None = None
    unit: str | None = None  # a unit code; its subtree is included
    stage: str | None = None
    kind: str | None = None  # fill | review
    overdue: bool = False
    sort: str = "due"  # due | -due | subject | stage

    SORTS = ("due", "-due", "subject", "stage")

    @classmethod
    def from_args(cls, args, **fixed) -> TaskFilters:
        values = {"level": args.get("level") or None, "unit": args.get("unit") or None,
                  "stage": args.get("stage") or None,
                  "kind": args.get("kind") if args.get("kind") in ("fill", "review") else None,
                  "overdue": args.get("overdue") == "1",
                  "sort": args.get("sort") if args.get("sort") in cls.SORTS else "due"}
        values.update(fixed)
        return cls(**values)

    def as_args(self) -> dict:
        """The filters as URL arguments (for links: pages, sorting, export)."""
        args = {"level": self.level, "unit": self.unit, "stage": self.stage, "kind": self.kind,
                "overdue": "1" if self.overdue else None,
                "sort": self.sort if self.sort != "due" else None}
        return {k: v for k, v in args.items() if v}


def _filter_tasks(session, query, filters: TaskFilters, unit, now: dt.datetime):
    if filters.level:
        query = query.where(Cycle.level == filters.level)
    if filters.stage:
        query = query.where(Task.stage == filters.stage)
    if filters.kind:
        query = query.where(Task.kind == filters.kind)
    if filters.overdue:
        query = query.where(Task.due_at < now)
    if filters.unit:
        scope = session.scalars(select(OrgUnit).where(OrgUnit.code == filters.unit)).first()
        query = query.where(in_subtree(unit.path, scope.path) if scope else false())
    order = {"due": (Task.due_at, Task.id), "-due": (Task.due_at.desc(), Task.id),
             "subject": (Cycle.subject_name, Task.due_at), "stage": (Task.stage, Task.due_at)}
    return query.order_by(*order[filters.sort])


def my_open_tasks(session, user: User, page: int = 1, per_page: int = 50,
                  kind: str | None = None, filters: TaskFilters | None = None,
                  now: dt.datetime | None = None) -> Page:
    """Open tasks assigned to the user or offered to one of their candidate groups."""
    filters = filters or TaskFilters(kind=kind)
    unit = aliased(OrgUnit)
    query = (select(Task)
             .join(Task.cycle).join(unit, unit.id == Cycle.unit_id)
             .options(contains_eager(Task.cycle).contains_eager(Cycle.unit.of_type(unit)),
                      contains_eager(Task.cycle).joinedload(Cycle.period))
             .where(access.offered_tasks_clause(user)))
    query = _filter_tasks(session, query, filters, unit, now or dt.datetime.now(dt.timezone.utc))
    return _paginate(session, query, page, per_page)


CYCLE_SORTS = ("unit", "subject", "stage", "-launched")
CYCLE_STATUSES = ("filling", "submitted", "returned", "approved", "expired", "closed")


def visible_cycles(session, user: User, level=None, unit_code=None, stage=None,
                   overdue_at: dt.datetime | None = None, page: int = 1, per_page: int = 50,
                   status: str | None = None, owner: str | None = None,
                   sort: str = "unit") -> Page:
    """Cycles the user may see, filtered; `unit_code` includes the unit's subtree."""
    unit = aliased(OrgUnit)
    order = {"unit": (unit.path, Cycle.subject_name, Cycle.id),
             "subject": (Cycle.subject_name, Cycle.id),
             "stage": (Cycle.stage, unit.path, Cycle.id),
             "-launched": (Cycle.launched_at.desc(), Cycle.id)}[sort if sort in CYCLE_SORTS else "unit"]
    query = (select(Cycle).join(unit, unit.id == Cycle.unit_id)
             .options(contains_eager(Cycle.unit.of_type(unit)), joinedload(Cycle.period),
                      joinedload(Cycle.owner))
             .where(access.visible_cycles_clause(user, unit))
             .order_by(*order))
    if status in CYCLE_STATUSES:
        # where the current stage's deliverable stands (none yet: still being filled in)
        current = aliased(Deliverable)
        query = query.outerjoin(current, and_(current.cycle_id == Cycle.id,
                                              current.stage == Cycle.stage))
        if status == "closed":
            query = query.where(Cycle.stage == "closed")
        elif status == "filling":
            query = query.where(Cycle.stage != "closed",
                                or_(current.id.is_(None), current.status == "draft"))
        else:
            query = query.where(current.status == status)
    if owner:
        query = query.join(User, User.id == Cycle.owner_id).where(User.username == owner)
    if level:
        query = query.where(Cycle.level == level)
    if stage:
        query = query.where(Cycle.stage == stage)
    if unit_code:
        scope = session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).first()
        if scope is None:
            return Page([], 1, per_page, 0)
        query = query.where(in_subtree(unit.path, scope.path))
    if overdue_at is not None:
        late = select(Task.cycle_id).where(Task.status == "open", Task.due_at < overdue_at)
        query = query.where(Cycle.id.in_(late))
    return _paginate(session, query, page, per_page)


def current_statuses(session, cycles: list[Cycle]) -> dict[int, str]:
    """Where each cycle's current stage stands: filling, under review, returned, approved."""
    if not cycles:
        return {}
    rows = session.execute(
        select(Deliverable.cycle_id, Deliverable.stage, Deliverable.status)
        .where(Deliverable.cycle_id.in_([c.id for c in cycles]))).all()
    by_key = {(cycle_id, stage): status for cycle_id, stage, status in rows}
    return {c.id: "closed" if c.stage == "closed" else by_key.get((c.id, c.stage), "filling")
            for c in cycles}


def filter_units(session, user: User) -> list[OrgUnit]:
    """Departments and majors the user may filter the cycle list by, in tree order."""
    paths = access.supervised_paths(user)
    if not paths:
        return []
    return session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_(["department", "major"]),
                              or_(*[in_subtree(OrgUnit.path, p) for p in paths]))
        .order_by(OrgUnit.path)).all()


def stage_matrix(session, user: User, level: str = "major"
                 ) -> tuple[list[OrgUnit], dict[tuple[int, str], int]]:
    """Counts of a level's visible cycles per (department, stage): units × stages.

    Cycles are counted under the second tier of the tree (系部 or 职能部门); the school's own
    cycle is counted under the college.
    """
    query = select(Cycle.unit_id, Cycle.stage, func.count()).where(Cycle.level == level)
    if not access.sees_whole_college(user):
        unit = aliased(OrgUnit)
        query = (query.join(unit, unit.id == Cycle.unit_id)
                 .where(access.visible_cycles_clause(user, unit)))
    rows = session.execute(query.group_by(Cycle.unit_id, Cycle.stage)).all()
    # Each unit's second-tier ancestor, from the (small) org tree read once.
    paths = dict(session.execute(select(OrgUnit.id, OrgUnit.path)).all())
    tier_code: dict[int, str] = {}
    by_code: dict[tuple[str, str], int] = {}
    for unit_id, stage, n in rows:
        code = tier_code.get(unit_id)
        if code is None:
            codes = paths[unit_id].strip("/").split("/")
            code = tier_code[unit_id] = codes[1] if len(codes) > 1 else codes[0]
        by_code[code, stage] = by_code.get((code, stage), 0) + n
    groups = session.scalars(select(OrgUnit).where(OrgUnit.code.in_({c for c, _ in by_code}))
                             .order_by(OrgUnit.path)).all()
    ids = {g.code: g.id for g in groups}
    return groups, {(ids[code], stage): n for (code, stage), n in by_code.items()}


def open_task_summary(session, user: User, now: dt.datetime) -> dict[str, int]:
    """Open work in the cycles the user may see: to fill in, to review, and overdue."""
    query = (select(func.count().filter(Task.kind == "fill"),
                    func.count().filter(Task.kind == "review"),
                    func.count().filter(Task.due_at < now))
             .select_from(Task).where(Task.status == "open"))
    if not access.sees_whole_college(user):  # else every open task counts: from the index alone
        unit = aliased(OrgUnit)
        query = (query.join(Cycle, Cycle.id == Task.cycle_id).join(unit, unit.id == Cycle.unit_id)
                 .where(access.visible_cycles_clause(user, unit)))
    fill, review, overdue = session.execute(query).one()
    return {"fill": fill, "review": review, "overdue": overdue}


def overdue_tasks(session, user: User, now: dt.datetime, page: int = 1,
                  per_page: int = 50, filters: TaskFilters | None = None,
                  total: int | None = None) -> Page:
    """Open tasks past due in cycles the user may see, the longest overdue first. `total`:
    how many there are, when the caller knows (the dashboard's summary counts them)."""
    unit = aliased(OrgUnit)
    query = (select(Task).join(Task.cycle).join(unit, unit.id == Cycle.unit_id)
             .options(contains_eager(Task.cycle).contains_eager(Cycle.unit.of_type(unit)),
                      contains_eager(Task.cycle).joinedload(Cycle.period),
                      joinedload(Task.assignee), joinedload(Task.candidate_unit))
             .where(Task.status == "open", Task.due_at < now))
    if not access.sees_whole_college(user):
        query = query.where(access.visible_cycles_clause(user, unit))
    query = _filter_tasks(session, query, filters or TaskFilters(), unit, now)
    return _paginate(session, query, page, per_page, total)


def cycle_history(session, cycle_id: int) -> list[AuditEvent]:
    return session.scalars(select(AuditEvent).options(joinedload(AuditEvent.actor))
                           .where(AuditEvent.cycle_id == cycle_id)
                           .order_by(AuditEvent.at, AuditEvent.id)).all()


def cycle_deliverables(session, cycle_id: int) -> dict[str, Deliverable]:
    rows = session.scalars(select(Deliverable).options(joinedload(Deliverable.versions))
                           .where(Deliverable.cycle_id == cycle_id)).unique().all()
    return {d.stage: d for d in rows}


def task_version(session, task: Task) -> DeliverableVersion | None:
    """The version a task is about: the one its round submitted or reviewed.

    An open fill-in task shows the newest version, to start the revision from.
    """
    deliverable = session.scalars(
        select(Deliverable).options(joinedload(Deliverable.versions))
        .where(Deliverable.cycle_id == task.cycle_id, Deliverable.stage == task.stage)).first()
    if deliverable is None or not deliverable.versions:
        return None
    if task.kind == "fill" and task.status == "open":
        return deliverable.versions[-1]
    same_round = [v for v in deliverable.versions if v.round == task.round]
    return same_round[-1] if same_round else None


def reassign_candidates(session, task: Task) -> list[User]:
    """Who a task could be handed to: its reviewing group, or the people of the cycle's unit."""
    if task.kind == "review":
        from app.notify import group_members
        ids = group_members(session, task.candidate_role, task.candidate_unit)
        query = select(User).where(User.id.in_(ids))
    else:
        query = (select(User).join(OrgUnit, OrgUnit.id == User.unit_id)
                 .where(in_subtree(OrgUnit.path, task.cycle.unit.path), User.active.is_(True)))
    return [u for u in session.scalars(query.order_by(User.username)).all()
            if u.id != task.assignee_id]


def attachments_of(session, cycle_id: int, stage: str | None = None) -> list[Attachment]:
    query = (select(Attachment).options(joinedload(Attachment.uploaded_by))
             .where(Attachment.cycle_id == cycle_id).order_by(Attachment.created_at, Attachment.id))
    if stage is not None:
        query = query.where(Attachment.stage == stage)
    return session.scalars(query).all()


def names_of(session, user_ids) -> dict[int, str]:
    """Names of the given people, for labels such as 代 X (one query; None ids ignored)."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def tasks_by_id(session, ids: list[int]) -> dict[int, Task]:
    """Tasks with their cycles, for naming them in a list of results (one query)."""
    return {t.id: t for t in session.scalars(
        select(Task).options(joinedload(Task.cycle).joinedload(Cycle.period))
        .where(Task.id.in_(ids)))}


def task_comments(session, task_id: int) -> list[TaskComment]:
    return session.scalars(select(TaskComment).options(joinedload(TaskComment.author))
                           .where(TaskComment.task_id == task_id)
                           .order_by(TaskComment.created_at, TaskComment.id)).all()


def stage_trail(session, cycle_id: int, stage: str) -> list[AuditEvent]:
    """Submissions and review decisions of one stage, oldest first: the review opinions."""
    return session.scalars(
        select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.cycle_id == cycle_id, AuditEvent.from_stage == stage,
               AuditEvent.action.in_(["submit", "approve", "return"]))
        .order_by(AuditEvent.at, AuditEvent.id)).all()


def cycle_tasks(session, cycle_id: int) -> list[Task]:
    return session.scalars(select(Task).options(joinedload(Task.assignee),
                                                joinedload(Task.completed_by),
                                                joinedload(Task.candidate_unit))
                           .where(Task.cycle_id == cycle_id).order_by(Task.id)).all()


def unread_count(session, user: User) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


# ---------------------------------------------------------------- warnings and targets

WARNING_STATES = ("open", "acknowledged", "rectifying", "verified", "closed")
WAITING_STATES = ("open", "acknowledged", "rectifying")


@dataclass
class WarningFilters:
    """What the warnings list is narrowed to and sorted by; read from and written to the URL."""

    state: str = "active"  # active (not closed) | all | one of WARNING_STATES
    severity: str | None = None  # yellow | red
    unit: str | None = None  # a unit code; its subtree is included
    indicator: str | None = None
    tier: int | None = None
    overdue: bool = False
    mine: bool = False  # only those waiting for me
    sort: str = "due"  # due | age (oldest first) | unit

    SORTS = ("due", "age", "unit")

    @classmethod
    def from_args(cls, args) -> WarningFilters:
        state = args.get("state") or "active"
        tier = args.get("tier")
        return cls(state=state if state in ("active", "all", *WARNING_STATES) else "active",
                   severity=args.get("severity") if args.get("severity") in ("yellow", "red")
                   else None,
                   unit=args.get("unit") or None, indicator=(args.get("indicator") or None),
                   tier=int(tier) if tier in ("0", "1", "2") else None,
                   overdue=args.get("overdue") == "1", mine=args.get("mine") == "1",
                   sort=args.get("sort") if args.get("sort") in cls.SORTS else "due")

    def as_args(self) -> dict:
        args = {"state": self.state if self.state != "active" else None,
                "severity": self.severity, "unit": self.unit, "indicator": self.indicator,
                "tier": str(self.tier) if self.tier is not None else None,
                "overdue": "1" if self.overdue else None, "mine": "1" if self.mine else None,
                "sort": self.sort if self.sort != "due" else None}
        return {k: v for k, v in args.items() if v}


def warnings_list(session, user: User, filters: WarningFilters, now: dt.datetime,
                  page: int = 1, per_page: int = 50) -> Page:
    """Warnings the user may see (or, with `mine`, must handle), filtered and sorted."""
    unit = aliased(OrgUnit)
    clause = (access.warnings_to_handle_clause(user, unit) if filters.mine
              else access.visible_warnings_clause(user, unit))
    query = (select(Warning).join(unit, unit.id == Warning.unit_id)
             .options(contains_eager(Warning.unit.of_type(unit)), joinedload(Warning.owner))
             .where(clause))
    if filters.state == "active":
        query = query.where(Warning.state != "closed")
    elif filters.state in WARNING_STATES:
        query = query.where(Warning.state == filters.state)
    if filters.severity:
        query = query.where(Warning.severity == filters.severity)
    if filters.indicator:
        query = query.where(Warning.indicator_code == filters.indicator.upper())
    if filters.tier is not None:
        query = query.where(Warning.tier == filters.tier)
    if filters.overdue:
        query = query.where(Warning.state.in_(WAITING_STATES), Warning.due_at < now)
    if filters.unit:
        scope = session.scalars(select(OrgUnit).where(OrgUnit.code == filters.unit)).first()
        query = query.where(in_subtree(unit.path, scope.path) if scope else false())
    order = {"due": (Warning.due_at, Warning.id), "age": (Warning.opened_at, Warning.id),
             "unit": (unit.path, Warning.indicator_code)}[filters.sort]
    return _paginate(session, query.order_by(*order), page, per_page)


def warning_summary(session, user: User, now: dt.datetime) -> dict[str, int]:
    """Warnings not yet closed that the user may see: red, yellow, and past their deadline."""
    unit = aliased(OrgUnit)
    red, yellow, late = session.execute(
        select(func.count().filter(Warning.severity == "red"),
               func.count().filter(Warning.severity == "yellow"),
               func.count().filter(Warning.state.in_(WAITING_STATES), Warning.due_at < now))
        .select_from(Warning).join(unit, unit.id == Warning.unit_id)
        .where(Warning.state != "closed", access.visible_warnings_clause(user, unit))).one()
    return {"red": red, "yellow": yellow, "overdue": late}


def warnings_to_handle(session, user: User, limit: int = 50) -> list[Warning]:
    """Warnings waiting for the user to act (整改任务), the nearest deadline first."""
    unit = aliased(OrgUnit)
    return session.scalars(
        select(Warning).join(unit, unit.id == Warning.unit_id)
        .options(contains_eager(Warning.unit.of_type(unit)))
        .where(Warning.state != "closed", access.warnings_to_handle_clause(user, unit))
        .order_by(Warning.due_at, Warning.id).limit(limit)).all()


def history_of(session, *, warning_id: int | None = None,
               target_id: int | None = None) -> list[AuditEvent]:
    """A warning's or a target's audit rows, oldest first."""
    column = AuditEvent.warning_id if warning_id is not None else AuditEvent.target_id
    return session.scalars(select(AuditEvent).options(joinedload(AuditEvent.actor))
                           .where(column == (warning_id if warning_id is not None else target_id))
                           .order_by(AuditEvent.at, AuditEvent.id)).all()


def targets_to_confirm(session, user: User, limit: int = 50) -> list[Target]:
    """Targets cascaded to a unit where the user is the one who confirms them (目标确认)."""
    mine = [path for role, path, kind in access.held_roles(user)
            if access.RECEIVER_ROLES.get(kind, "unit_leader") == role]
    if not mine:
        return []
    unit = aliased(OrgUnit)
    return session.scalars(
        select(Target).join(unit, unit.id == Target.unit_id)
        .options(contains_eager(Target.unit.of_type(unit)))
        .where(Target.status == "pending", unit.path.in_(mine))
        .order_by(Target.confirm_by, Target.id).limit(limit)).all()


def visible_targets(session, user: User, period_ids: list[int]) -> list[Target]:
    """The targets of the period the user may see, in tree order."""
    paths = access.supervised_paths(user)
    if not paths or not period_ids:
        return []
    unit = aliased(OrgUnit)
    return session.scalars(
        select(Target).join(unit, unit.id == Target.unit_id)
        .options(contains_eager(Target.unit.of_type(unit)))
        .where(Target.period_id.in_(period_ids), or_(*[in_subtree(unit.path, p) for p in paths]))
        .order_by(unit.path, Target.indicator_code)).all()


def pending_targets(session, user: User) -> int:
    """Cascaded targets not yet confirmed in the units the user supervises."""
    paths = access.supervised_paths(user)
    if not paths:
        return 0
    unit = aliased(OrgUnit)
    return session.scalar(select(func.count(Target.id)).join(unit, unit.id == Target.unit_id)
                          .where(Target.status == "pending",
                                 or_(*[in_subtree(unit.path, p) for p in paths])))


def light_counts(session, user: User, codes: list[str]) -> tuple[str | None, dict[str, int]]:
    """The newest data period of these indicators and how the supervised units' values stand
    in it: met, short of target, yellow, red."""
    counts = dict.fromkeys(("met", "short", "yellow", "red"), 0)
    paths = access.supervised_paths(user)
    if not codes or not paths:
        return None, counts
    latest = session.scalar(select(func.max(Measurement.period_label))
                            .where(Measurement.indicator_code.in_(codes)))
    if latest is None:
        return None, counts
    query = (select(Measurement.status, func.count())
             .where(Measurement.period_label == latest, Measurement.indicator_code.in_(codes))
             .group_by(Measurement.status))
    if not access.sees_whole_college(user):
        unit = aliased(OrgUnit)
        query = (query.join(unit, unit.id == Measurement.unit_id)
                 .where(or_(*[in_subtree(unit.path, p) for p in paths])))
    for status, n in session.execute(query):
        counts[status] = n
    return latest, counts


def unit_warnings(session, cycle: Cycle) -> list[Warning]:
    """The warnings of a school or major cycle's unit in the cycle's data period."""
    if cycle.subject_kind != "unit":
        return []
    return session.scalars(select(Warning).where(
        Warning.unit_id == cycle.unit_id, Warning.period_label == data_label(session, cycle.period))
        .order_by(Warning.state == "closed", Warning.indicator_code)).all()
