"""Actions on many tasks at once: each item is its own transaction and gets its own result."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from app import access
from app.models import AuditEvent, Task, User, utcnow
from app.notify import notify, task_recipients
from app.services import cycles as service
from app.services.errors import Invalid
from workflows import Refused
from workflows.guards import check_comment
from workflows.model import N_

MAX_ITEMS = 200


@dataclass
class ItemResult:
    task_id: int
    ok: bool
    message: str = ""
    params: dict = field(default_factory=dict)


def _id(value) -> int:
    """A task number as sent by a form (digits) or JSON (an integer); nothing else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(value)
    if isinstance(value, str) and not value.strip().isdigit():
        raise ValueError(value)
    return int(value)


def _ids(task_ids) -> list[int]:
    if not isinstance(task_ids, (list, tuple)):
        raise Invalid(N_("Choose tasks by their numbers."))
    try:
        ids = list(dict.fromkeys(_id(i) for i in task_ids))
    except ValueError:
        raise Invalid(N_("Choose tasks by their numbers.")) from None
    if not ids:
        raise Invalid(N_("Choose at least one task."))
    if len(ids) > MAX_ITEMS:
        raise Invalid(N_("At most %(max)d tasks at a time."), max=MAX_ITEMS)
    if any(not 0 < i < 2**31 for i in ids):
        raise Invalid(N_("Choose tasks by their numbers."))
    return ids


def approve_many(session, task_ids, actor: User, comment: str | None = None,
                 now: dt.datetime | None = None) -> list[ItemResult]:
    """Approve each task that the actor may approve; say for each one what happened."""
    ids = _ids(task_ids)
    results = []
    for task_id in ids:
        try:
            service.approve(session, task_id, actor, comment, now=now)
        except Refused as exc:
            session.rollback()
            results.append(ItemResult(task_id, False, exc.message, exc.params))
        else:
            results.append(ItemResult(task_id, True, N_("Approved.")))
    return results


def reassign_many(session, task_ids, actor: User, to_username: str | None,
                  reason: str | None, now: dt.datetime | None = None) -> list[ItemResult]:
    """Hand each task to one person (改派), where the actor may and the person can take it."""
    ids = _ids(task_ids)
    person = session.scalars(select(User).where(User.username == (to_username or "").strip())).first()
    if person is None:
        raise Invalid(N_("No one has the staff number %(username)s."), username=to_username or "")
    results = []
    for task_id in ids:
        try:
            service.reassign(session, task_id, actor, person.id, reason, now=now)
        except Refused as exc:
            session.rollback()
            results.append(ItemResult(task_id, False, exc.message, exc.params))
        else:
            results.append(ItemResult(task_id, True, N_("Reassigned.")))
    return results


def urge_many(session, task_ids, actor: User, message: str | None,
              now: dt.datetime | None = None) -> list[ItemResult]:
    """Urge (催办) the people on open tasks the actor supervises; each urge is audited."""
    now = now or utcnow()
    ids = _ids(task_ids)
    try:
        note = check_comment(message)
    except Refused as exc:
        raise Invalid(exc.message, errors={"message": (exc.message, exc.params)}) from None
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(ids)))}
    results = []
    for task_id in ids:
        task = tasks.get(task_id)
        if task is None or not access.can_view_task(actor, task):
            results.append(ItemResult(task_id, False, N_("No such task.")))
        elif not access.can_urge(actor, task):
            results.append(ItemResult(task_id, False, N_("Only the unit leader or the quality office may urge this task.")))
        elif task.status != "open":
            results.append(ItemResult(task_id, False, N_("This task has already been handled.")))
        else:
            stage = task.cycle.definition.stage(task.stage)
            notify(session, task_recipients(session, task), "urged", task, stage=stage.label,
                   cycle=service.cycle_title(task.cycle), due=service.fmt(task.due_at),
                   who=actor.name, note=note or "")
            session.add(AuditEvent(action="urge", actor_id=actor.id, cycle_id=task.cycle_id,
                                   task_id=task.id, from_stage=task.stage, to_stage=task.stage,
                                   round=task.round, comment=note, at=now))
            results.append(ItemResult(task_id, True, N_("Urged.")))
    session.commit()
    return results
