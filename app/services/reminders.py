"""Reminders and escalation, applied by the scheduler; idempotent per (task, rule).

A tick reads only the open tasks whose `remind_at` has come, a batch at a time: its cost follows
what is due now, not how many tasks (or years) the college has. Each batch is one transaction:
a tick cut short leaves whole batches done and the rest for the next tick.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app.models import (
    AuditEvent, Cycle, Notification, OrgUnit, ReminderLog, RoleAssignment, StandIn, Task, User,
)
from app.notify import notification_rows
from app.services.common import TZ, fmt
from app.services.cycles import cycle_title, tier_in_chain
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
        tasks = session.scalars(
            select(Task).options(joinedload(Task.cycle).joinedload(Cycle.unit),
                                 joinedload(Task.cycle).joinedload(Cycle.period),
                                 joinedload(Task.candidate_unit), joinedload(Task.assignee))
            .where(Task.status == "open", Task.remind_at <= now)
            .order_by(Task.remind_at, Task.id).limit(BATCH)).all()
        if not tasks or seen.issuperset(t.id for t in tasks):
            break
        seen.update(t.id for t in tasks)
        sent += _send_batch(session, tasks, now, recipients)
        session.commit()
    return sent


def _send_batch(session, tasks: list[Task], now: dt.datetime, recipients: _Recipients) -> int:
    sent_keys: dict[int, set[str]] = defaultdict(set)
    for task_id, key in session.execute(select(ReminderLog.task_id, ReminderLog.rule_key)
                                        .where(ReminderLog.task_id.in_([t.id for t in tasks]))):
        sent_keys[task_id].add(key)
    plans, claims = [], []
    for task in tasks:
        definition = get_definition(task.cycle.definition_name, task.cycle.definition_version)
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
        session.execute(insert(Notification), notes)
    if audit:
        session.execute(insert(AuditEvent), audit)
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
    """The notifications and the audit row of one reminder, added to the batch's."""
    cycle = task.cycle
    people = recipients.of(task, cycle, rule.tier)
    stage = definition.stage(task.stage)
    days = max(0, (now - task.due_at).days)
    params = {"stage": stage.label, "cycle": cycle_title(cycle), "due": fmt(task.due_at)}
    if rule.tier == 0:
        notes += notification_rows(people, "overdue" if rule.offset_days > 0 else "reminder",
                                   task, now, days=days, **params)
    else:
        # A group task is named by its reviewing role, translated when shown.
        assignee = task.assignee.name if task.assignee else stage.reviews[task.step].label
        notes += notification_rows(people, "escalated", task, now, days=days,
                                   assignee=assignee, **params)
    audit.append({"action": "remind", "actor_id": None, "cycle_id": cycle.id,
                  "task_id": task.id, "from_stage": task.stage, "to_stage": task.stage,
                  "round": task.round, "at": now,
                  "data": {"rule": rule.key, "tier": rule.tier, "recipients": len(people)}})


class _Recipients:
    """Who hears a reminder. A batch's units, and who holds which role at them, are read in two
    statements before its reminders are written; stand-ins once per tick."""

    def __init__(self, session, now: dt.datetime):
        self.session = session
        self.units: dict[str, OrgUnit] = {}
        self.holders: dict[tuple[str, str], set[int]] = defaultdict(set)  # (role, unit code)
        today = now.astimezone(TZ).date()
        self.deputies: dict[int, list[int]] = defaultdict(list)
        for principal, deputy in session.execute(
                select(StandIn.principal_id, StandIn.deputy_id).where(
                    StandIn.cancelled_at.is_(None), StandIn.starts_on <= today,
                    StandIn.ends_on >= today)):
            self.deputies[principal].append(deputy)

    def prepare(self, tasks: list[Task]) -> None:
        """Read the units above the batch's tasks, and their role holders, not yet read."""
        codes = set()
        for task in tasks:
            codes.update(task.cycle.unit.ancestor_codes())
            if task.candidate_unit is not None:
                codes.update(task.candidate_unit.ancestor_codes())
        missing = codes - self.units.keys()
        if not missing:
            return
        for unit in self.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(missing))):
            self.units[unit.code] = unit
        for role, code, user_id in self.session.execute(
                select(RoleAssignment.role, OrgUnit.code, User.id)
                .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
                .join(User, User.id == RoleAssignment.user_id)
                .where(OrgUnit.code.in_(missing), User.active.is_(True))):
            self.holders[(role, code)].add(user_id)

    def group(self, role: str, unit: OrgUnit) -> list[int]:
        """Active holders of `role` at `unit` or above it (as `group_members` answers)."""
        return sorted(set().union(*(self.holders.get((role, c), ())
                                    for c in unit.ancestor_codes())))

    def of(self, task: Task, cycle: Cycle, tier: int) -> list[int]:
        if tier == 0:  # the task's holder or group, and anyone standing in for a reviewer
            people = [task.assignee_id] if task.assignee_id is not None \
                else self.group(task.candidate_role, task.candidate_unit)
            if task.kind == "review":
                people = list(dict.fromkeys(
                    [*people, *(d for p in people for d in self.deputies.get(p, ()))]))
            return people
        role, unit_tier = ("unit_leader", "department") if tier == 1 else ("quality_office", "college")
        chain = [self.units[c] for c in cycle.unit.ancestor_codes()]
        return self.group(role, tier_in_chain(chain, unit_tier))
