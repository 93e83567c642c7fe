"""The reminder and escalation policy, as pure arithmetic on due dates."""
from __future__ import annotations

import datetime as dt

from workflows.model import Definition, ReminderRule


def fire_time(rule: ReminderRule, due_at: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """When `rule` fires for a task due at `due_at`: at `rule.hour` local time on its day."""
    local_due = due_at.astimezone(tz)
    day = local_due.date() + dt.timedelta(days=rule.offset_days)
    return dt.datetime.combine(day, dt.time(rule.hour), tzinfo=tz)


def fire_times(definition: Definition, due_at: dt.datetime,
               tz: dt.tzinfo) -> dict[str, dt.datetime]:
    """When each of the definition's rules fires for a task due at `due_at` (rule key → time);
    as `fire_time`, with the due day found once."""
    day = due_at.astimezone(tz).date()
    return {r.key: dt.datetime.combine(day + dt.timedelta(days=r.offset_days), dt.time(r.hour),
                                       tzinfo=tz) for r in definition.reminders}


def rules_to_send(definition: Definition, due_at: dt.datetime, now: dt.datetime,
                  already_sent: set[str], tz: dt.tzinfo) -> tuple[list[ReminderRule], list[ReminderRule]]:
    """The rules to send now, and the earlier unsent rules they supersede.

    After downtime several rules may be due at once. Each tier (assignee, unit leader,
    quality office) then gets only its latest one, so a catch-up reaches everyone it should,
    once, never as a flood; the rules passed over are recorded as skipped.
    """
    times = fire_times(definition, due_at, tz)
    due = sorted((r for r in definition.reminders
                  if r.key not in already_sent and times[r.key] <= now),
                 key=lambda r: times[r.key])
    latest = {r.tier: r for r in due}
    send = [r for r in due if latest[r.tier] is r]
    return send, [r for r in due if r not in send]


def escalation_tier(definition: Definition, sent: set[str]) -> int:
    """The highest tier a task has been escalated to (0: only its assignee was reminded)."""
    tiers = [r.tier for r in definition.reminders if r.key in sent and r.offset_days > 0]
    return max(tiers, default=0)


def next_fire(definition: Definition, due_at: dt.datetime, sent: set[str],
              tz: dt.tzinfo) -> dt.datetime | None:
    """When the next rule not yet sent fires for a task due at `due_at`; None when none is
    left. The scheduler looks at a task again only then."""
    times = fire_times(definition, due_at, tz)
    return min((times[r.key] for r in definition.reminders if r.key not in sent), default=None)
