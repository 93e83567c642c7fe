"""Reminders and escalation, applied by the scheduler; idempotent per (task, rule).

A tick reads only the open tasks whose `remind_at` has come, a batch at a time: its cost follows
what is due now, not how many tasks (or years) the college has. Each batch is one transaction:
a tick cut short leaves whole batches done and the rest for the next tick.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from app.models import (
    AuditEvent, Cycle, Notification, OrgUnit, Period, ReminderLog, RoleAssignment, StandIn, Task,
    User,
)
from app.notify import notification_rows
from app.services.common import TZ, fmt
from app.services.cycles import tier_in_chain, title
from workflows import get_definition
from workflows.reminders import escalation_tier, next_fire, rules_to_send

#: Tasks read and decided per transaction.
BATCH = 500


def send_reminders(session, now: dt.datetime) -> int:
    """Send each task whose reminder time has come what its policy calls for at `now`, and
    set when it next needs one; return how many reminders were sent."""
    recipients = _Recipients(session, now)
    sent = 0
    seen: set[int] = set()
    while True:
        tasks = session.execute(_due_tasks(now)).all()
        if not tasks or seen.issuperset(t.id for t in tasks):
            break
        seen.update(t.id for t in tasks)
        sent += _send_batch(session, tasks, now, recipients)
        session.commit()
    return sent


def _due_tasks(now: dt.datetime):
    """The next batch of open tasks whose reminder time has come, as plain rows holding what
    a reminder names: the cycle's definition and title, the units it climbs, the holder."""
    unit, group = aliased(OrgUnit), aliased(OrgUnit)
    return (select(Task.id, Task.cycle_id, Task.stage, Task.kind, Task.step, Task.round,
                   Task.due_at, Task.assignee_id, Task.candidate_role, Task.escalation_tier,
                   Cycle.definition_name, Cycle.definition_version, Cycle.subject_name,
                   Period.name.label("period_name"), unit.path.label("unit_path"),
                   group.path.label("group_path"), User.name.label("assignee_name"))
            .join(Cycle, Cycle.id == Task.cycle_id).join(Period, Period.id == Cycle.period_id)
            .join(unit, unit.id == Cycle.unit_id)
            .outerjoin(group, group.id == Task.candidate_unit_id)
            .outerjoin(User, User.id == Task.assignee_id)
            .where(Task.status == "open", Task.remind_at <= now)
            .order_by(Task.remind_at, Task.id).limit(BATCH))


def _send_batch(session, tasks: list, now: dt.datetime, recipients: _Recipients) -> int:
    sent_keys: dict[int, set[str]] = defaultdict(set)
    for task_id, key in session.execute(select(ReminderLog.task_id, ReminderLog.rule_key)
                                        .where(ReminderLog.task_id.in_([t.id for t in tasks]))):
        sent_keys[task_id].add(key)
    plans, claims = [], []
    for task in tasks:
        definition = get_definition(task.definition_name, task.definition_version)
        rules, superseded = rules_to_send(definition, task.due_at, now, sent_keys[task.id], TZ)
        claims += [(task.id, r.key, "skipped") for r in superseded]
        claims += [(task.id, r.key, "sent") for r in rules]
        plans.append((task, definition, rules, superseded))
    claimed = _claim(session, claims, now)
    recipients.prepare(tasks)
    sent, notes, audit, updates = 0, [], [], []
    for task, definition, rules, superseded in plans:
        for rule in rules:
            if (task.id, rule.key) in claimed:  # else another tick got here first
                _remind(task, definition, rule, now, recipients, notes, audit)
                sent += 1
        sent_keys[task.id].update(r.key for r in (*rules, *superseded))
        updates.append({"task": task.id, "remind_at": next_fire(definition, task.due_at,
                                                                  sent_keys[task.id], TZ),
                        "tier": max(task.escalation_tier,
                                    escalation_tier(definition, sent_keys[task.id]))})
    # Each written in one statement: nothing needs the new rows' ids back.
    table = Task.__table__
    session.execute(update(table).where(table.c.id == bindparam("task"))
                    .values(remind_at=bindparam("remind_at"), escalation_tier=bindparam("tier")),
                    updates)
    if notes:
        session.execute(insert(Notification.__table__), notes)
    if audit:
        session.execute(insert(AuditEvent.__table__), audit)
    return sent


def _claim(session, claims: list[tuple[int, str, str]], now: dt.datetime) -> set[tuple[int, str]]:
    """Record each (task, rule) in one statement; return those this transaction recorded first."""
    if not claims:
        return set()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = ReminderLog.__table__
    statement = (insert(table).on_conflict_do_nothing(index_elements=["task_id", "rule_key"])
                 .returning(table.c.task_id, table.c.rule_key))
    rows = [{"task_id": t, "rule_key": k, "outcome": o, "at": now} for t, k, o in claims]
    return {(t, k) for t, k in session.connection().execute(statement, rows)}


def _remind(task, definition, rule, now, recipients, notes: list, audit: list) -> None:
    """The notifications and the audit row of one reminder (`task`: a `_due_tasks` row),
    added to the batch's."""
    people = recipients.of(task, rule.tier)
    stage = definition.stage(task.stage)
    days = max(0, (now - task.due_at).days)
    params = {"stage": stage.label, "cycle": title(task.subject_name, task.period_name),
              "due": fmt(task.due_at)}
    if rule.tier == 0:
        notes += notification_rows(people, "overdue" if rule.offset_days > 0 else "reminder",
                                   task, now, days=days, **params)
    else:
        # A group task is named by its reviewing role, translated when shown.
        assignee = task.assignee_name if task.assignee_id else stage.reviews[task.step].label
        notes += notification_rows(people, "escalated", task, now, days=days,
                                   assignee=assignee, **params)
    audit.append({"action": "remind", "actor_id": None, "cycle_id": task.cycle_id,
                  "task_id": task.id, "from_stage": task.stage, "to_stage": task.stage,
                  "round": task.round, "at": now,
                  "data": {"rule": rule.key, "tier": rule.tier, "recipients": len(people)}})


@dataclass(frozen=True)
class _Unit:
    """A unit as the tick needs it: plain values, still good after the batch's commit."""

    code: str
    kind: str
    path: str


class _Recipients:
    """Who hears a reminder. A batch's units, and who holds which role at them, are read in two
    statements before its reminders are written; stand-ins once per tick."""

    def __init__(self, session, now: dt.datetime):
        self.session = session
        self.units: dict[str, _Unit] = {}
        self.holders: dict[tuple[str, str], set[int]] = defaultdict(set)  # (role, unit code)
        self.groups: dict[tuple[str, str], list[int]] = {}  # (role, unit path)
        today = now.astimezone(TZ).date()
        self.deputies: dict[int, list[int]] = defaultdict(list)
        for principal, deputy in session.execute(
                select(StandIn.principal_id, StandIn.deputy_id).where(
                    StandIn.cancelled_at.is_(None), StandIn.starts_on <= today,
                    StandIn.ends_on >= today)):
            self.deputies[principal].append(deputy)

    def prepare(self, tasks: list) -> None:
        """Read the units above the batch's tasks, and their role holders, not yet read."""
        paths = {task.unit_path for task in tasks}
        paths.update(task.group_path for task in tasks if task.group_path is not None)
        codes = {code for path in paths for code in _codes(path)}
        missing = codes - self.units.keys()
        if not missing:
            return
        for code, kind, path in self.session.execute(
                select(OrgUnit.code, OrgUnit.kind, OrgUnit.path).where(OrgUnit.code.in_(missing))):
            self.units[code] = _Unit(code, kind, path)
        for role, code, user_id in self.session.execute(
                select(RoleAssignment.role, OrgUnit.code, User.id)
                .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
                .join(User, User.id == RoleAssignment.user_id)
                .where(OrgUnit.code.in_(missing), User.active.is_(True))):
            self.holders[(role, code)].add(user_id)

    def group(self, role: str, path: str) -> list[int]:
        """Active holders of `role` at the unit at `path` or above it (as `group_members`
        answers)."""
        key = (role, path)
        if key not in self.groups:
            self.groups[key] = sorted(set().union(*(self.holders.get((role, c), ())
                                                    for c in _codes(path))))
        return self.groups[key]

    def of(self, task, tier: int) -> list[int]:
        """Who hears a reminder of `task` (a `_due_tasks` row) at `tier`."""
        if tier == 0:  # the task's holder or group, and anyone standing in for a reviewer
            people = [task.assignee_id] if task.assignee_id is not None \
                else self.group(task.candidate_role, task.group_path)
            if task.kind == "review":
                people = list(dict.fromkeys(
                    [*people, *(d for p in people for d in self.deputies.get(p, ()))]))
            return people
        role, unit_tier = ("unit_leader", "department") if tier == 1 else ("quality_office", "college")
        chain = [self.units[c] for c in _codes(task.unit_path)]
        return self.group(role, tier_in_chain(chain, unit_tier).path)


def _codes(path: str) -> list[str]:
    """The codes of a unit's ancestors and its own, from its path, the college first."""
    return path.strip("/").split("/")
