"""Reminders and escalation, applied by the scheduler; idempotent per (task, rule)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app.models import AuditEvent, Cycle, ReminderLog, Task
from app.notify import group_members, notify, task_recipients
from app.services.common import TZ, fmt
from app.services.cycles import _tier_unit, cycle_title
from workflows import get_definition
from workflows.reminders import escalation_tier, rules_to_send

#: The furthest ahead of a due date any rule fires, plus a day's margin.
LOOKAHEAD = dt.timedelta(days=8)


def _insert_once(session, task_id: int, rule_key: str, outcome: str, now: dt.datetime) -> bool:
    """Record (task, rule); True only for the one transaction that recorded it first."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(ReminderLog.__table__)
                 .values(task_id=task_id, rule_key=rule_key, outcome=outcome, at=now)
                 .on_conflict_do_nothing(index_elements=["task_id", "rule_key"])
                 .returning(ReminderLog.__table__.c.id))
    return session.connection().execute(statement).first() is not None


def send_reminders(session, now: dt.datetime) -> int:
    """Send each open task the reminder its policy calls for at `now`; return how many were sent."""
    tasks = session.scalars(
        select(Task).options(joinedload(Task.cycle).joinedload(Cycle.unit),
                             joinedload(Task.cycle).joinedload(Cycle.period))
        .where(Task.status == "open", Task.due_at <= now + LOOKAHEAD)
        .order_by(Task.id)).all()
    if not tasks:
        return 0
    sent_keys: dict[int, set[str]] = defaultdict(set)
    for task_id, key in session.execute(select(ReminderLog.task_id, ReminderLog.rule_key)
                                        .where(ReminderLog.task_id.in_([t.id for t in tasks]))):
        sent_keys[task_id].add(key)
    members_cache: dict[tuple[str, int], list[int]] = {}
    sent = 0
    for task in tasks:
        cycle = task.cycle
        definition = get_definition(cycle.definition_name, cycle.definition_version)
        rules, superseded = rules_to_send(definition, task.due_at, now, sent_keys[task.id], TZ)
        for old in superseded:
            _insert_once(session, task.id, old.key, "skipped", now)
        for rule in rules:
            if not _insert_once(session, task.id, rule.key, "sent", now):
                continue  # another tick got here first
            _remind(session, task, cycle, definition, rule, now, members_cache)
            sent_keys[task.id].add(rule.key)
            sent += 1
        task.escalation_tier = max(task.escalation_tier,
                                   escalation_tier(definition, sent_keys[task.id]))
    session.commit()
    return sent


def _remind(session, task, cycle, definition, rule, now, members_cache) -> None:
    recipients = _recipients(session, task, cycle, rule.tier, members_cache)
    stage = definition.stage(task.stage)
    days = max(0, (now - task.due_at).days)
    params = {"stage": stage.label, "cycle": cycle_title(cycle), "due": fmt(task.due_at)}
    if rule.tier == 0:
        notify(session, recipients, "overdue" if rule.offset_days > 0 else "reminder", task,
               days=days, **params)
    else:
        # A group task is named by its reviewing role, translated when shown.
        assignee = task.assignee.name if task.assignee else stage.reviews[task.step].label
        notify(session, recipients, "escalated", task, days=days, assignee=assignee, **params)
    session.add(AuditEvent(action="remind", cycle_id=cycle.id, task_id=task.id,
                           from_stage=task.stage, to_stage=task.stage, round=task.round,
                           at=now, data={"rule": rule.key, "tier": rule.tier,
                                         "recipients": len(recipients)}))


def _recipients(session, task: Task, cycle: Cycle, tier: int, cache) -> list[int]:
    if tier == 0:
        return task_recipients(session, task)
    role, unit_tier = ("unit_leader", "department") if tier == 1 else ("quality_office", "college")
    unit = _tier_unit(session, cycle, unit_tier)
    key = (role, unit.id)
    if key not in cache:
        cache[key] = group_members(session, role, unit)
    return cache[key]
