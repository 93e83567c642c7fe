"""Launch plans: the quality office fixes the day a level's cycles open; the scheduler opens them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from app.models import AuditEvent, LaunchPlan, User, utcnow
from app.services.common import TZ
from app.services.cycles import launch_cycles, plan_launch
from app.services.errors import Conflict, Invalid
from workflows.model import N_


def schedule_launch(session, actor: User, level: str, period_id: int, launch_on: dt.date,
                    now: dt.datetime | None = None) -> LaunchPlan:
    """Plan (or move) the day a level's cycles for a period open."""
    now = now or utcnow()
    plan_launch(session, actor, level, period_id)  # the same checks as launching now
    if launch_on < now.astimezone(TZ).date():
        raise Invalid(N_("Choose today or a later day."))
    plan = session.scalars(select(LaunchPlan).where(LaunchPlan.level == level,
                                                    LaunchPlan.period_id == period_id)).first()
    if plan is not None and plan.launched_at is not None:
        raise Conflict(N_("These cycles were already launched on %(day)s."),
                       day=plan.launched_at.astimezone(TZ).date().isoformat())
    if plan is None:
        plan = LaunchPlan(level=level, period_id=period_id, created_by_id=actor.id, created_at=now)
        session.add(plan)
    plan.launch_on = launch_on
    session.add(AuditEvent(action="plan_launch", actor_id=actor.id, at=now,
                           data={"level": level, "period": period_id,
                                 "launch_on": launch_on.isoformat()}))
    session.commit()
    return plan


def run_launch_plans(session, now: dt.datetime) -> int:
    """Open the cycles of every plan whose day has come; each plan runs once."""
    today = now.astimezone(TZ).date()
    due = session.scalars(select(LaunchPlan.id).where(LaunchPlan.launched_at.is_(None),
                                                      LaunchPlan.launch_on <= today)).all()
    launched = 0
    for plan_id in due:
        # Claim the plan first: a second scheduler finds it taken and moves on.
        claimed = session.execute(update(LaunchPlan).where(LaunchPlan.id == plan_id,
                                                           LaunchPlan.launched_at.is_(None))
                                  .values(launched_at=now)
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            session.rollback()
            continue
        plan = session.get(LaunchPlan, plan_id)
        result = launch_cycles(session, None, plan.level, plan.period_id, now=now)  # commits
        plan.created_count = len(result.created)
        session.commit()
        launched += 1
    return launched


def upcoming(session) -> list[LaunchPlan]:
    return session.scalars(select(LaunchPlan).where(LaunchPlan.launched_at.is_(None))
                           .order_by(LaunchPlan.launch_on)).all()
