"""Stand-ins (代理): a person names a deputy for a range of days; the deputy then sees and may
decide what is offered to them, and every such decision is recorded on their behalf."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app import access
from app.models import AuditEvent, StandIn, User, utcnow
from app.notify import notify
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from workflows.model import N_

MAX_DAYS = 366


def add_stand_in(session, actor: User, principal: User, deputy_username: str,
                 starts_on: dt.date, ends_on: dt.date, now: dt.datetime | None = None) -> StandIn:
    now = now or utcnow()
    if actor.id != principal.id and not access.has_college_role(actor, "quality_office", "admin"):
        raise Forbidden(N_("You may name a deputy only for yourself."))
    deputy = session.scalars(select(User).where(
        User.username == (deputy_username or "").strip())).first()
    if deputy is None or not deputy.active:
        raise Invalid(N_("No one has the staff number %(username)s."), username=deputy_username or "")
    if deputy.id == principal.id:
        raise Invalid(N_("A person cannot stand in for themselves."))
    today = now.astimezone(access.TZ).date()
    if ends_on < starts_on:
        raise Invalid(N_("The last day comes before the first."))
    if ends_on < today:
        raise Invalid(N_("The range has already ended."))
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise Invalid(N_("A stand-in lasts at most a year."))
    overlapping = session.scalars(select(StandIn).where(
        StandIn.principal_id == principal.id, StandIn.cancelled_at.is_(None),
        StandIn.starts_on <= ends_on, StandIn.ends_on >= starts_on)).first()
    if overlapping is not None:
        raise Conflict(N_("%(name)s already stands in from %(start)s to %(end)s; cancel that first."),
                       name=overlapping.deputy.name, start=overlapping.starts_on.isoformat(),
                       end=overlapping.ends_on.isoformat())
    stand_in = StandIn(principal_id=principal.id, deputy_id=deputy.id, starts_on=starts_on,
                       ends_on=ends_on, created_by_id=actor.id, created_at=now)
    session.add(stand_in)
    session.flush()
    session.add(AuditEvent(action="stand_in", actor_id=actor.id, at=now,
                           data={"principal": principal.id, "deputy": deputy.id,
                                 "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}))
    notify(session, [deputy.id], "stand_in", who=principal.name, start=starts_on.isoformat(),
           end=ends_on.isoformat())
    session.commit()
    return stand_in


def cancel_stand_in(session, actor: User, stand_in_id: int, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    stand_in = session.get(StandIn, stand_in_id)
    if stand_in is None or (actor.id not in (stand_in.principal_id, stand_in.deputy_id)
                            and not access.has_college_role(actor, "quality_office", "admin")):
        raise NotFound(N_("No such stand-in."))
    if actor.id == stand_in.deputy_id and actor.id != stand_in.principal_id \
            and not access.has_college_role(actor, "quality_office", "admin"):
        raise Forbidden(N_("Only the person who named the deputy may cancel it."))
    if stand_in.cancelled_at is not None:
        raise Conflict(N_("This stand-in has already been cancelled."))
    stand_in.cancelled_at = now
    session.add(AuditEvent(action="stand_in_cancelled", actor_id=actor.id, at=now,
                           data={"stand_in": stand_in.id}))
    session.commit()


def stand_ins_of(session, user: User) -> tuple[list[StandIn], list[StandIn]]:
    """(the deputies this user named, the people this user stands in for), newest first."""
    named = session.scalars(select(StandIn).where(StandIn.principal_id == user.id)
                            .order_by(StandIn.starts_on.desc())).all()
    acting = session.scalars(select(StandIn).where(StandIn.deputy_id == user.id,
                                                   StandIn.cancelled_at.is_(None))
                             .order_by(StandIn.starts_on.desc())).all()
    return named, acting
