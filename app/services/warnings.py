"""Warnings (预警): opened when a value crosses its line, worked off by their owner, escalated
one tier up when a step is not taken in time, verified by the data and closed with evidence.

One warning per (indicator, unit, data period): the same value twice, a re-import, or two
imports at once never open a second one. The warning is the owner's rectification task
(整改任务): it has a deadline, appears in 我的待办 and escalates like any task.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import access
from app.models import AuditEvent, Indicator, Measurement, OrgUnit, User, Warning, utcnow
from app.notify import group_members, notify
from app.services.common import TZ, begin_write, local_deadline, role_holders
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from workflows import Refused
from workflows import warnings as machine
from workflows.model import N_
from workflows.warnings import POLICY

#: Who owns a unit's warnings, by the kind of unit.
OWNER_ROLES = {"major": "major_lead", "department": "unit_leader", "office": "unit_leader",
               "post": "unit_leader", "college": "quality_office"}


@dataclass(frozen=True)
class Value:
    """A value just written for an indicator, unit and data period, with its judgement."""

    code: str
    unit_id: int
    period: str
    value: object
    status: str  # met | short | yellow | red


class Owners:
    """Who owns each unit's warnings; loaded once per import, one query per role."""

    def __init__(self, session):
        self.session = session
        self._by_role: dict[str, dict[int, int]] = {}

    def of(self, unit: OrgUnit) -> int | None:
        role = OWNER_ROLES.get(unit.kind, "unit_leader")
        if role not in self._by_role:
            self._by_role[role] = role_holders(self.session, role)
        return self._by_role[role].get(unit.id)


def _audit(session, warning: Warning, action: str, actor: User | None, now: dt.datetime,
           comment: str | None = None, **data) -> None:
    session.add(AuditEvent(action=action, actor_id=actor.id if actor else None,
                           warning=warning, from_stage=data.pop("from_state", None),
                           to_stage=data.pop("to_state", None), comment=comment,
                           data=data or None, at=now))


def _names(session, codes) -> dict[str, str]:
    return dict(session.execute(select(Indicator.code, Indicator.name)
                                .where(Indicator.code.in_(set(codes)))
                                .order_by(Indicator.version)).all())


def _params(warning: Warning, name: str, value=None) -> dict:
    shown = value if value is not None else warning.latest_value
    return {"indicator": f"{warning.indicator_code} {name}", "unit": warning.unit.name,
            "period": warning.period_label, "value": _plain(shown),
            "due": warning.due_at.astimezone(TZ).strftime("%Y-%m-%d")}


def _plain(value) -> str:
    text = format(value, "f") if not isinstance(value, str) else value
    return text.rstrip("0").rstrip(".") if "." in text else text


def judge_values(session, values: list[Value], now: dt.datetime) -> dict[str, int]:
    """Open, update, verify or reopen the warnings the new values call for, in the caller's
    transaction (an import's). Values of a period older than the unit's newest one for the
    indicator are history: they are judged and shown, but open nothing."""
    counts = {"opened": 0, "verified": 0, "reopened": 0}
    if not values:
        return counts
    session.flush()
    codes = {v.code for v in values}
    unit_ids = {v.unit_id for v in values}
    newest = {(code, unit_id): label for code, unit_id, label in session.execute(
        select(Measurement.indicator_code, Measurement.unit_id, func.max(Measurement.period_label))
        .where(Measurement.indicator_code.in_(codes), Measurement.unit_id.in_(unit_ids))
        .group_by(Measurement.indicator_code, Measurement.unit_id))}
    existing = {(w.indicator_code, w.unit_id, w.period_label): w for w in session.scalars(
        select(Warning).options(joinedload(Warning.unit))
        .where(Warning.indicator_code.in_(codes), Warning.unit_id.in_(unit_ids)))}
    by_subject: dict[tuple[str, int], list[Warning]] = {}
    for warning in existing.values():
        by_subject.setdefault((warning.indicator_code, warning.unit_id), []).append(warning)
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))}
    names = _names(session, codes)
    owners = Owners(session)
    for v in values:
        warning = existing.get((v.code, v.unit_id, v.period))
        crossed = v.status in machine.SEVERITIES
        if not crossed:  # back inside the line: so is the rectification of earlier periods
            for earlier in by_subject.get((v.code, v.unit_id), ()):
                if earlier.period_label < v.period and earlier.state == "rectifying":
                    _verify(session, earlier, names, now, v.value)
                    counts["verified"] += 1
        if warning is None:
            if crossed and newest.get((v.code, v.unit_id)) == v.period:
                warning = _open(session, v, units[v.unit_id], owners, names, now)
                existing[(v.code, v.unit_id, v.period)] = warning
                counts["opened"] += 1
            continue
        warning.latest_value = v.value
        if crossed:
            warning.severity = machine.worse(warning.severity, v.status)
            if warning.state in ("verified", "closed"):
                _relapse(session, warning, names, now)
                counts["reopened"] += 1
        elif warning.state == "rectifying":
            _verify(session, warning, names, now)
            counts["verified"] += 1
    return counts


def _open(session, v: Value, unit: OrgUnit, owners: Owners, names, now) -> Warning:
    owner_id = owners.of(unit)
    warning = Warning(indicator_code=v.code, unit_id=unit.id, unit=unit, period_label=v.period,
                      severity=v.status, state="open", owner_id=owner_id, tier=0,
                      value=v.value, latest_value=v.value, opened_at=now,
                      due_at=local_deadline(session, now, POLICY.acknowledge_days))
    session.add(warning)
    recipients = [owner_id] if owner_id else _next_tier_with_people(session, warning)
    _audit(session, warning, "warning_open", None, now, to_state="open", severity=v.status,
           value=_plain(v.value), period=v.period)
    notify(session, recipients, "warning_opened", warning=warning,
           **_params(warning, names.get(v.code, ""), v.value))
    return warning


def _relapse(session, warning: Warning, names, now) -> None:
    """The value crossed again after it was back inside: rectification goes on, or reopens."""
    before = warning.state
    if before == "verified":
        warning.state = machine.fire(before, "relapse")
        warning.verified_at = None
        warning.due_at = max(warning.due_at, local_deadline(session, now, POLICY.measure_days))
    else:
        warning.state = machine.fire(before, "reopen")
        warning.tier = 0 if warning.owner_id else 1
        warning.closed_at = warning.closed_by_id = warning.verified_at = None
        warning.due_at = local_deadline(session, now, POLICY.acknowledge_days)
    _audit(session, warning, "warning_relapse", None, now, from_state=before,
           to_state=warning.state, value=_plain(warning.latest_value))
    notify(session, _holders(session, warning), "warning_relapsed", warning=warning,
           **_params(warning, names.get(warning.indicator_code, "")))


def _verify(session, warning: Warning, names, now, value=None) -> None:
    """A value back inside the line (this period's, or a later one's) verifies the
    rectification; the owner then closes the warning with evidence."""
    before = warning.state
    shown = warning.latest_value if value is None else value
    warning.state = machine.fire(before, "verify")
    warning.verified_at = now
    warning.due_at = local_deadline(session, now, POLICY.measure_days)
    _audit(session, warning, "warning_verify", None, now, from_state=before,
           to_state=warning.state, value=_plain(shown))
    notify(session, _holders(session, warning), "warning_verified", warning=warning,
           **_params(warning, names.get(warning.indicator_code, ""), shown))


def _tier_people(session, warning: Warning, tier: int) -> list[int]:
    """The owner at tier 0; the leaders of the unit above at 1; the quality office at 2."""
    if tier == 0:
        return [warning.owner_id] if warning.owner_id else []
    unit = warning.unit
    if tier == 1:
        above = unit.parent or unit
        return group_members(session, "unit_leader", above)
    root_code = unit.ancestor_codes()[0]
    root = session.scalars(select(OrgUnit).where(OrgUnit.code == root_code)).one()
    return group_members(session, "quality_office", root)


def _next_tier_with_people(session, warning: Warning) -> list[int]:
    """Move the warning up to the next tier where someone holds the role (a unit above with
    no leader is passed over); return those people."""
    while warning.tier < machine.TOP_TIER:
        warning.tier += 1
        people = _tier_people(session, warning, warning.tier)
        if people:
            return people
    return []


def _holders(session, warning: Warning) -> list[int]:
    """Everyone the warning is with now: its owner and each tier it was escalated to."""
    people = []
    for tier in range(warning.tier + 1):
        people += _tier_people(session, warning, tier)
    return list(dict.fromkeys(people))


# ---------------------------------------------------------------- the owner's actions

def _load(session, warning_id: int, actor: User, lock: bool = True) -> Warning:
    query = select(Warning).options(joinedload(Warning.unit)).where(Warning.id == warning_id)
    if lock:
        begin_write(session)
        query = query.with_for_update(of=Warning).execution_options(populate_existing=True)
    warning = session.scalars(query).first()
    if warning is None or not access.can_view_warning(actor, warning):
        raise NotFound(N_("No such warning."))
    if not access.can_handle_warning(actor, warning):
        raise Forbidden(N_("Only the warning's owner, or those it was escalated to, may act "
                           "on it."))
    return warning


def _commit(session) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict(N_("Someone else has just acted on this warning; reload to see it.")) from None


def acknowledge(session, warning_id: int, actor: User, now: dt.datetime | None = None) -> Warning:
    """The owner has seen the warning (预警确认); the measure is due next."""
    now = now or utcnow()
    warning = _load(session, warning_id, actor)
    before = warning.state
    warning.state = machine.fire(before, "acknowledge")
    warning.acknowledged_at = now
    warning.due_at = local_deadline(session, now, POLICY.measure_days)
    _audit(session, warning, "warning_acknowledge", actor, now, from_state=before,
           to_state=warning.state)
    _commit(session)
    return warning


def rectify(session, warning_id: int, actor: User, measure: str | None,
            deadline: dt.date | None, now: dt.datetime | None = None) -> Warning:
    """Record the rectification measure (整改措施) and its deadline; rectification starts. If
    the latest value is already back inside the line, the data verifies it at once."""
    now = now or utcnow()
    warning = _load(session, warning_id, actor)
    try:
        text = machine.check_measure(measure)
    except Refused as exc:
        raise Invalid(exc.message, errors={"measure": (exc.message, exc.params)}) from None
    today = now.astimezone(TZ).date()
    deadline = deadline or today + dt.timedelta(days=POLICY.default_rectify_days)
    if not today <= deadline <= today + dt.timedelta(days=POLICY.max_rectify_days):
        message = N_("The deadline must fall between today and a year from now.")
        raise Invalid(message, errors={"deadline": (message, {})})
    before = warning.state
    warning.state = machine.fire(before, "rectify")
    warning.acknowledged_at = warning.acknowledged_at or now
    warning.measure = text
    warning.due_at = dt.datetime.combine(deadline, dt.time(18), tzinfo=TZ).astimezone(dt.timezone.utc)
    _audit(session, warning, "warning_rectify", actor, now, comment=text, from_state=before,
           to_state=warning.state, deadline=deadline.isoformat())
    status = session.scalar(select(Measurement.status).where(
        Measurement.indicator_code == warning.indicator_code,
        Measurement.unit_id == warning.unit_id, Measurement.period_label == warning.period_label))
    if status is not None and status not in machine.SEVERITIES:
        _verify(session, warning, _names(session, [warning.indicator_code]), now)
    _commit(session)
    return warning


def close(session, warning_id: int, actor: User, evidence: str | None,
          now: dt.datetime | None = None) -> Warning:
    """Close a verified warning with what shows the problem is fixed."""
    now = now or utcnow()
    warning = _load(session, warning_id, actor)
    try:
        text = machine.check_evidence(evidence)
    except Refused as exc:
        raise Invalid(exc.message, errors={"evidence": (exc.message, exc.params)}) from None
    before = warning.state
    warning.state = machine.fire(before, "close")
    warning.evidence, warning.closed_at, warning.closed_by_id = text, now, actor.id
    _audit(session, warning, "warning_close", actor, now, comment=text, from_state=before,
           to_state=warning.state)
    _commit(session)
    return warning


# ---------------------------------------------------------------- the scheduler's job

def escalate_overdue(session, now: dt.datetime) -> int:
    """Move each warning whose step is past its deadline one tier up; safe to run twice."""
    due = session.scalars(select(Warning.id).where(
        Warning.state.in_(machine.WAITING), Warning.due_at <= now,
        Warning.tier < machine.TOP_TIER).order_by(Warning.id)).all()
    session.rollback()
    escalated = 0
    for warning_id in due:
        begin_write(session)
        warning = session.scalars(
            select(Warning).options(joinedload(Warning.unit)).where(Warning.id == warning_id)
            .with_for_update(of=Warning).execution_options(populate_existing=True)).one()
        if not (machine.escalates(warning.state, warning.tier) and warning.due_at <= now):
            session.rollback()  # another scheduler, or the owner, got there first
            continue
        recipients = _next_tier_with_people(session, warning)
        warning.due_at = local_deadline(session, now, POLICY.escalated_days)
        _audit(session, warning, "warning_escalate", None, now, from_state=warning.state,
               to_state=warning.state, tier=warning.tier)
        params = _params(warning, _names(session, [warning.indicator_code]).get(
            warning.indicator_code, ""))
        notify(session, recipients, "warning_escalated",
               warning=warning, state=STATE_LABELS[warning.state], **params)
        try:
            session.commit()
        except StaleDataError:
            session.rollback()
            continue
        escalated += 1
    return escalated


STATE_LABELS = {"open": N_("not acknowledged"), "acknowledged": N_("no measure given"),
                "rectifying": N_("not rectified by its deadline"), "verified": N_("verified"),
                "closed": N_("closed")}
