"""The target chain (目标链): targets set at a unit, cascaded to the units below, confirmed or
returned by each receiver (目标确认), added up at the parent, and judged against the data.

Every target is SMART or it is not saved: it names an indicator of the library, a number and a
deadline. A cascaded target is the receiver's only once confirmed; a returned one goes back
to whoever set it, with the reason, to revise and send again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import access
from app.models import AuditEvent, Cycle, Measurement, OrgUnit, Period, RoleAssignment, Target, User, utcnow
from app.notify import notify
from app.services import indicators as library
from app.services.common import TZ, begin_write, local_deadline
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.measurements import IndicatorLines, data_label, out_of_range
from workflows import guards
from workflows.indicators import combine, meets
from workflows.model import N_

#: Working days a receiver has to confirm or return a cascaded target.
CONFIRM_DAYS = 5
MAX_DIGITS = 10


@dataclass
class Rollup:
    """How a target's children add up: how many confirmed, their combined value against it."""

    children: list[Target] = field(default_factory=list)
    combined: Decimal | None = None
    how: str = "mean"
    meets_parent: bool | None = None

    def count(self, status: str) -> int:
        return sum(1 for c in self.children if c.status == status)


@dataclass
class CascadeResult:
    created: list[Target] = field(default_factory=list)
    resent: list[Target] = field(default_factory=list)
    skipped: list[tuple[OrgUnit, str]] = field(default_factory=list)


@dataclass
class Achievement:
    """A target judged against the data period's value: met, not met, or no data yet."""

    target: Target
    actual: Decimal | None
    met: bool | None

    @property
    def state(self) -> str:
        return "nodata" if self.met is None else "met" if self.met else "notmet"


def _number(value, name: str, errors: dict, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = (N_("Give the target value as a number."), {})
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%％"))
        if not number.is_finite() or number.adjusted() >= MAX_DIGITS:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[name] = (N_("Enter a number."), {})
        return None
    return number


#: The library levels whose indicators measure a unit's targets: a major's own level, or for
#: the college, its departments and offices the school's and the majors' taken together.
TARGET_LEVELS = {"major": ("major",)}
DEFAULT_TARGET_LEVELS = ("school", "major")


def check_smart(session, period: Period, indicator_code: str | None, value, deadline,
                baseline=None, unit: OrgUnit | None = None
                ) -> tuple[str, Decimal, Decimal | None, dt.date]:
    """The parts of a target, cleaned; or Invalid naming each missing or wrong part."""
    errors: dict = {}
    code = (indicator_code or "").strip().upper()
    known = {i.code: i for i in library.current(session)}
    levels = TARGET_LEVELS.get(unit.kind, DEFAULT_TARGET_LEVELS) if unit is not None else None
    if not code:
        errors["indicator"] = (N_("Choose the indicator that measures this target."), {})
    elif code not in known:
        errors["indicator"] = (N_("%(code)s is not an indicator of the library."), {"code": code})
    elif levels and known[code].level not in levels:
        errors["indicator"] = (
            N_("%(code)s measures another level: a major's target takes a major-level "
               "indicator.") if unit.kind == "major"
            else N_("%(code)s measures another level: the college's, a department's or an "
                    "office's target takes a school- or major-level indicator."), {"code": code})
    number = _number(value, "value", errors)
    base = _number(baseline, "baseline", errors, required=False)
    if number is not None and code in known and "value" not in errors:
        problem = out_of_range(known[code], number)
        if problem:
            errors["value"] = (problem, {"value": plain(number)})
    day = deadline
    if isinstance(deadline, str):
        try:
            day = dt.date.fromisoformat(deadline.strip()) if deadline.strip() else None
        except ValueError:
            errors["deadline"] = (N_("Enter a date as YYYY-MM-DD."), {})
            day = None
    if day is None and "deadline" not in errors:
        errors["deadline"] = (N_("Give the deadline by which the target is to be met."), {})
    elif day is not None and day < period.start:
        errors["deadline"] = (N_("The deadline falls before the period starts (%(start)s)."),
                              {"start": period.start.isoformat()})
    elif day is not None and day > period.end + dt.timedelta(days=366):
        errors["deadline"] = (N_("The deadline falls more than a year after the period ends "
                                 "(%(end)s)."), {"end": period.end.isoformat()})
    if errors:
        raise Invalid(N_("A target needs an indicator of the library, a number and a deadline; "
                         "see the marked fields."), errors=errors)
    return code, number, base, day


def _audit(session, target: Target, action: str, actor: User | None, now: dt.datetime,
           comment: str | None = None, **data) -> None:
    session.add(AuditEvent(action=action, actor_id=actor.id if actor else None,
                           target=target, comment=comment, data=data or None, at=now))


def plain(value) -> str:
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(session, target: Target) -> str:
    names = {i.code: i.name for i in library.current(session, active_only=False)}
    return f"{target.indicator_code} {names.get(target.indicator_code, '')}".strip()


def _commit(session) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict(N_("Someone else has just changed this target; reload to see it.")) from None


def receivers(session, unit: OrgUnit) -> list[int]:
    """Who confirms targets at `unit`: the holders of its receiving role there."""
    role = access.RECEIVER_ROLES.get(unit.kind, "unit_leader")
    query = (select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
             .where(RoleAssignment.role == role, RoleAssignment.unit_id == unit.id,
                    User.active.is_(True)))
    return list(session.scalars(query.order_by(User.id)))


def create(session, actor: User, unit_id: int, period_id: int, indicator_code: str | None,
           value, deadline, baseline=None, title: str = "",
           now: dt.datetime | None = None) -> Target:
    """A unit's own target for a period (confirmed: it is the unit's own word)."""
    now = now or utcnow()
    unit, period = session.get(OrgUnit, unit_id), session.get(Period, period_id)
    if unit is None or period is None:
        raise NotFound(N_("No such unit or period."))
    if not access.can_set_targets(actor, unit):
        raise Forbidden(N_("Only the quality office or the unit's leaders may set its targets."))
    if unit.kind == "post":
        raise Invalid(N_("Targets are set for the college, its departments and offices, and "
                         "the majors; not for a post."))
    code, number, base, day = check_smart(session, period, indicator_code, value, deadline,
                                          baseline, unit)
    begin_write(session)
    if session.scalar(select(Target.id).where(Target.unit_id == unit.id,
                                              Target.period_id == period.id,
                                              Target.indicator_code == code)):
        raise Invalid(N_("%(unit)s already has a target on %(code)s for this period."),
                      unit=unit.name, code=code)
    target = Target(unit=unit, period_id=period.id, indicator_code=code, title=title.strip()[:200],
                    baseline=base, value=number, deadline=day, status="confirmed",
                    created_by_id=actor.id, created_at=now)
    session.add(target)
    _audit(session, target, "target_set", actor, now, value=plain(number))
    _commit(session)
    return target


def cascade(session, actor: User, target_id: int, values: dict[int, object],
            indicator_code: str | None = None, deadline=None,
            now: dt.datetime | None = None) -> CascadeResult:
    """Hand a target down to units directly below (分解): each gets its own value and must
    confirm it. A unit that returned its target gets the revised one; a confirmed one stays."""
    now = now or utcnow()
    parent = session.get(Target, target_id)
    if parent is None or not access.can_view_target(actor, parent):
        raise NotFound(N_("No such target."))
    if not access.can_set_targets(actor, parent.unit):
        raise Forbidden(N_("Only the quality office or the unit's leaders may cascade its "
                           "targets."))
    if parent.status != "confirmed":
        raise Invalid(N_("Confirm this target before handing it down."))
    if not values:
        raise Invalid(N_("Choose at least one unit to hand the target down to."))
    period = session.get(Period, parent.period_id)
    code = (indicator_code or parent.indicator_code).strip().upper()
    day = deadline or parent.deadline
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_(list(values)), OrgUnit.parent_id == parent.unit_id,
        OrgUnit.kind != "post"))}
    if len(units) != len(values):
        raise Invalid(N_("A target is handed down only to the units directly below."))
    cleaned = {}
    errors: dict = {}
    for unit_id, value in values.items():
        try:
            cleaned[unit_id] = check_smart(session, period, code, value, day, None,
                                           units[unit_id])
        except Invalid as exc:
            for name, error in exc.errors.items():
                errors[f"{name}[{unit_id}]"] = error
    if errors:
        raise Invalid(N_("A target needs an indicator of the library, a number and a deadline; "
                         "see the marked fields."), errors=errors)
    begin_write(session)
    existing = {t.unit_id: t for t in session.scalars(select(Target).where(
        Target.unit_id.in_(list(units)), Target.period_id == period.id,
        Target.indicator_code == code))}
    baselines = _latest_values(session, code, list(units), data_label(session, period))
    confirm_by = local_deadline(session, now, CONFIRM_DAYS)
    result = CascadeResult()
    label = None
    for unit_id, (code, number, _base, day) in cleaned.items():
        unit, child = units[unit_id], existing.get(unit_id)
        if child is not None and child.status == "confirmed":
            result.skipped.append((unit, N_("It has confirmed its own target on this indicator.")))
            continue
        if child is not None and child.status == "pending" and (child.value, child.deadline) == (
                number, day):
            result.skipped.append((unit, N_("It has this target already, awaiting its "
                                            "confirmation.")))
            continue
        if child is None:
            child = Target(unit=unit, period_id=period.id, indicator_code=code,
                           title=parent.title, baseline=baselines.get(unit_id), created_at=now,
                           created_by_id=actor.id)
            session.add(child)
            result.created.append(child)
        else:
            result.resent.append(child)
        child.parent_id, child.value, child.deadline = parent.id, number, day
        child.status, child.return_reason, child.confirm_by = "pending", None, confirm_by
        child.decided_by_id = child.decided_at = None
        _audit(session, child, "target_cascade", actor, now, value=plain(number),
               parent=parent.id)
        label = label or _label(session, child)
        notify(session, receivers(session, unit), "target_cascaded", target=child,
               who=actor.name, unit=unit.name, indicator=label, value=plain(number),
               deadline=day.isoformat(), due=confirm_by.astimezone(TZ).strftime("%Y-%m-%d"))
    _commit(session)
    return result


def _latest_values(session, code: str, unit_ids: list[int], before_label: str) -> dict[int, Decimal]:
    """Each unit's newest value of `code` before a data period: the baseline of a new target."""
    rows = session.execute(select(Measurement.unit_id, Measurement.period_label, Measurement.value)
                           .where(Measurement.indicator_code == code,
                                  Measurement.unit_id.in_(unit_ids),
                                  Measurement.period_label < before_label)
                           .order_by(Measurement.period_label)).all()
    return {unit_id: value for unit_id, _label, value in rows}


def _decision(session, target_id: int, actor: User) -> Target:
    begin_write(session)
    target = session.scalars(select(Target).options(joinedload(Target.unit))
                             .where(Target.id == target_id).with_for_update(of=Target)
                             .execution_options(populate_existing=True)).first()
    if target is None or not access.can_view_target(actor, target):
        raise NotFound(N_("No such target."))
    if target.status != "pending":
        raise Conflict(N_("This target has already been confirmed or returned."))
    if not access.can_confirm_target(actor, target):
        raise Forbidden(N_("Only the unit receiving this target may confirm or return it."))
    return target


def confirm(session, target_id: int, actor: User, now: dt.datetime | None = None) -> Target:
    """The receiver accepts the target as its own (目标确认)."""
    now = now or utcnow()
    target = _decision(session, target_id, actor)
    target.status, target.decided_by_id, target.decided_at = "confirmed", actor.id, now
    target.confirm_by = None
    _audit(session, target, "target_confirm", actor, now, value=plain(target.value))
    if target.parent_id:
        parent = session.get(Target, target.parent_id)
        notify(session, [parent.created_by_id], "target_confirmed", target=target,
               unit=target.unit.name, indicator=_label(session, target),
               value=plain(target.value))
    _commit(session)
    return target


def return_target(session, target_id: int, actor: User, reason: str | None,
                  now: dt.datetime | None = None) -> Target:
    """The receiver sends the target back with a reason, to be revised and sent again."""
    now = now or utcnow()
    target = _decision(session, target_id, actor)
    try:
        text = guards.check_return_reason(reason)
    except guards.Refused as exc:
        raise Invalid(exc.message, errors={"reason": (exc.message, exc.params)}) from None
    target.status, target.return_reason = "returned", text
    target.decided_by_id, target.decided_at, target.confirm_by = actor.id, now, None
    _audit(session, target, "target_return", actor, now, comment=text)
    notify(session, [target.created_by_id], "target_returned", target=target,
           unit=target.unit.name, indicator=_label(session, target),
           value=plain(target.value), reason=text)
    _commit(session)
    return target


# ---------------------------------------------------------------- reading the chain

def rollups(session, parents: list[Target]) -> dict[int, Rollup]:
    """How each target's children add up (one query for all the children)."""
    if not parents:
        return {}
    out = {p.id: Rollup() for p in parents}
    for child in session.scalars(select(Target).options(joinedload(Target.unit))
                                 .where(Target.parent_id.in_(list(out)))
                                 .order_by(Target.id)):
        out[child.parent_id].children.append(child)
    units = {i.code: i for i in library.current(session, active_only=False)}
    for parent in parents:
        rollup = out[parent.id]
        indicator = units.get(parent.indicator_code)
        counted = [c.value for c in rollup.children if c.status != "returned"]
        rollup.combined, rollup.how = combine(counted, indicator.unit_label if indicator else "")
        if rollup.combined is not None and indicator is not None:
            rollup.meets_parent = meets(rollup.combined, indicator.operator, parent.value)
    return out


def of_cycle(session, cycle: Cycle) -> list[Target]:
    """A school or major cycle's targets: its unit's for the cycle's period (and its year)."""
    if cycle.subject_kind != "unit":
        return []
    period_ids = [cycle.period_id] + ([cycle.period.parent_id] if cycle.period.parent_id else [])
    return list(session.scalars(select(Target).where(
        Target.unit_id == cycle.unit_id, Target.period_id.in_(period_ids),
        Target.status != "returned").order_by(Target.indicator_code)))


def achievements(session, targets: list[Target]) -> list[Achievement]:
    """Each target against its unit's value for the period's data label (one query)."""
    if not targets:
        return []
    periods = {p.id: p for p in session.scalars(
        select(Period).where(Period.id.in_({t.period_id for t in targets})))}
    labels = {pid: data_label(session, p) for pid, p in periods.items()}
    values = {(m.indicator_code, m.unit_id, m.period_label): m.value for m in session.scalars(
        select(Measurement).where(Measurement.unit_id.in_({t.unit_id for t in targets}),
                                  Measurement.indicator_code.in_({t.indicator_code
                                                                  for t in targets}),
                                  Measurement.period_label.in_(set(labels.values()))))}
    lines = IndicatorLines(session)
    out = []
    for t in targets:
        label = labels[t.period_id]
        actual = values.get((t.indicator_code, t.unit_id, label))
        met = None
        if actual is not None and lines.known(t.indicator_code):
            met = meets(actual, lines.for_period(t.indicator_code, label).operator, t.value)
        out.append(Achievement(t, actual, met))
    return out


def cycle_levels(cycle: Cycle) -> tuple[str, ...]:
    """The library levels a cycle's tables may name: a unit's, as its targets (the college's
    take the school's and the majors' indicators), else the cycle's own level."""
    if cycle.subject_kind == "unit":
        return TARGET_LEVELS.get(cycle.unit.kind, DEFAULT_TARGET_LEVELS)
    return (cycle.level,)


def library_names(session, cycle: Cycle) -> dict[str, str]:
    """code → name of the indicators a cycle's table may name in an indicator cell."""
    levels = cycle_levels(cycle)
    return {i.code: i.name for i in library.current(session) if i.level in levels}


def row_code(known: dict[str, str], text) -> str | None:
    """The library code a deliverable's indicator cell names: "M01", "M01 专业…", or the name."""
    text = str(text or "").strip()
    if not text:
        return None
    head = text.split()[0].upper()
    if head in known:
        return head
    return {name: code for code, name in known.items()}.get(text)


def sync_from_cycle(session, cycle: Cycle, rows: list[dict], actor: User | None,
                    now: dt.datetime) -> int:
    """The approved target stage's table becomes the unit's targets for the period: new rows
    are added as its own, cascaded ones take the values the unit committed to. In the
    caller's transaction."""
    if cycle.subject_kind != "unit":
        return 0
    mine = {t.indicator_code: t for t in session.scalars(select(Target).where(
        Target.unit_id == cycle.unit_id, Target.period_id == cycle.period_id))}
    changed = 0
    known = library_names(session, cycle)
    for row in rows:
        code = row_code(known, row.get("indicator"))
        if code is None:
            continue
        value, deadline = Decimal(str(row["target"])), dt.date.fromisoformat(row["deadline"])
        baseline = Decimal(str(row["baseline"])) if row.get("baseline") is not None else None
        target = mine.get(code)
        if target is None:
            target = Target(unit_id=cycle.unit_id, period_id=cycle.period_id,
                            indicator_code=code, created_by_id=cycle.owner_id, created_at=now)
            session.add(target)
            mine[code] = target
        elif (target.value, target.deadline, target.baseline, target.status) == (
                value, deadline, baseline, "confirmed"):
            continue
        target.value, target.deadline, target.baseline = value, deadline, baseline
        target.status, target.confirm_by, target.return_reason = "confirmed", None, None
        target.decided_by_id, target.decided_at = (actor.id if actor else None), now
        _audit(session, target, "target_from_cycle", actor, now, value=plain(value),
               cycle=cycle.id)
        changed += 1
    return changed
