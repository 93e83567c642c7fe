"""In-app notifications: rows written in the same transaction as the change they report."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import Notification, OrgUnit, RoleAssignment, StandIn, Task, User
from workflows.model import N_

#: Notification message keys and their msgids; rendered in the reader's locale.
MESSAGES = {
    "task_assigned": N_("New task: %(stage)s of %(cycle)s, due %(due)s."),
    "review_requested": N_("Please review %(stage)s of %(cycle)s, due %(due)s."),
    "returned": N_("%(stage)s of %(cycle)s was returned for revision (%(reason)s); please revise it by %(due)s."),
    "approved": N_("%(stage)s of %(cycle)s was approved."),
    "stage_advanced": N_("%(cycle)s has moved on to %(stage)s; please fill it in by %(due)s."),
    "reminder": N_("Reminder: %(stage)s of %(cycle)s is due %(due)s."),
    "overdue": N_("Overdue by %(days)d day(s): %(stage)s of %(cycle)s."),
    "commented": N_("%(who)s commented on %(stage)s of %(cycle)s."),
    "reassigned": N_("%(who)s handed you %(stage)s of %(cycle)s, due %(due)s."),
    "stand_in": N_("%(who)s named you their deputy from %(start)s to %(end)s."),
    "delegated": N_("%(who)s asks you to prepare %(stage)s of %(cycle)s, due %(due)s; hand it back when done."),
    "resolved": N_("%(who)s has prepared %(stage)s of %(cycle)s; check it and submit."),
    "urged": N_("%(who)s urges you on %(stage)s of %(cycle)s, due %(due)s. %(note)s"),
    "escalated": N_("Escalated to you: %(stage)s of %(cycle)s (%(assignee)s) is %(days)d day(s) overdue."),
    "warning_opened": N_("Warning: %(indicator)s of %(unit)s is %(value)s for %(period)s, beyond "
                         "its line; acknowledge it and give a rectification measure by %(due)s."),
    "warning_escalated": N_("Escalated to you: the warning on %(indicator)s of %(unit)s has not "
                            "been handled in time (%(state)s)."),
    "warning_verified": N_("%(indicator)s of %(unit)s is back inside its line (%(value)s); close "
                           "the warning with evidence."),
    "warning_relapsed": N_("%(indicator)s of %(unit)s has crossed its line again (%(value)s); the "
                           "rectification goes on."),
    "target_cascaded": N_("%(who)s set %(unit)s a target: %(indicator)s %(value)s by %(deadline)s; "
                          "confirm it or return it by %(due)s."),
    "target_confirmed": N_("%(unit)s confirmed the target %(indicator)s %(value)s."),
    "target_returned": N_("%(unit)s returned the target %(indicator)s %(value)s: %(reason)s"),
}


def group_members(session, role: str, unit: OrgUnit) -> list[int]:
    """Ids of active users who hold `role` at `unit` or one of its ancestors."""
    ancestors = unit.ancestor_codes()
    return list(session.scalars(
        select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role == role, OrgUnit.code.in_(ancestors), User.active.is_(True))
        .distinct().order_by(User.id)))


def task_recipients(session, task: Task) -> list[int]:
    """Who should hear about a task: its holder or group, and anyone standing in for them."""
    if task.assignee_id is not None:
        people = [task.assignee_id]
    else:
        people = group_members(session, task.candidate_role, task.candidate_unit)
    if task.kind != "review" or not people:
        return people
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    deputies = session.scalars(select(StandIn.deputy_id).where(
        StandIn.principal_id.in_(people), StandIn.cancelled_at.is_(None),
        StandIn.starts_on <= today, StandIn.ends_on >= today)).all()
    return list(dict.fromkeys([*people, *deputies]))


def notify(session, user_ids, key: str, task: Task | None = None, cycle_id: int | None = None,
           warning=None, target=None, **params) -> None:
    """Write one notification per person; it links to the task, cycle, warning or target."""
    assert key in MESSAGES, key
    for user_id in dict.fromkeys(u for u in user_ids if u):
        session.add(Notification(user_id=user_id, kind=key, message=key, params=params,
                                 task_id=task.id if task else None,
                                 cycle_id=cycle_id or (task.cycle_id if task else None),
                                 warning=warning, target=target))


def notification_rows(user_ids, key: str, task: Task, at: dt.datetime, **params) -> list[dict]:
    """The rows `notify` would write about a task, for a caller inserting many at once."""
    assert key in MESSAGES, key
    return [{"user_id": user_id, "kind": key, "message": key, "params": params,
             "task_id": task.id, "cycle_id": task.cycle_id, "created_at": at}
            for user_id in dict.fromkeys(u for u in user_ids if u)]
