"""The spiral's turns (螺旋上升): each cycle points at the same subject's cycle of the period
before; a closed turn's improvement plan becomes the next turn's open items, followed up at its
diagnosis; its results propose the next turn's targets (a met one raised, a missed one kept).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.models import AuditEvent, CarriedMeasure, Cycle, Deliverable, DeliverableVersion, Period
from app.services import indicators as library
from workflows import CLOSED
from workflows.indicators import next_target

#: How many turns back the cycle page follows the chain.
MAX_TURNS = 12
PLAN_FIELD = "measures"
ACHIEVEMENTS = "achievements"
FOLLOW_UP = "follow_up"


@dataclass
class Turn:
    """One turn of a subject's spiral with how many of its reported targets were met."""

    cycle: Cycle
    met: int
    judged: int

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None


def next_period(session, period: Period) -> Period | None:
    """The period of the same kind that starts after this one ends."""
    return session.scalars(select(Period).where(Period.kind == period.kind,
                                                Period.start > period.end)
                           .order_by(Period.start).limit(1)).first()


def previous_period(session, period: Period) -> Period | None:
    return session.scalars(select(Period).where(Period.kind == period.kind,
                                                Period.end < period.start)
                           .order_by(Period.start.desc()).limit(1)).first()


def same_subject(session, cycle: Cycle, period: Period) -> Cycle | None:
    """The cycle of the same subject and level for another period, if it was launched."""
    return session.scalars(select(Cycle).where(
        Cycle.level == cycle.level, Cycle.subject_kind == cycle.subject_kind,
        Cycle.subject_id == cycle.subject_id, Cycle.period_id == period.id)).first()


def latest_rows(session, cycle: Cycle, field: str) -> list[dict]:
    """The rows of `field` in the newest version of the last stage that has it."""
    return latest_rows_of(session, [cycle], field)[cycle.id]


def latest_rows_of(session, cycles: list[Cycle], field: str) -> dict[int, list[dict]]:
    """`latest_rows` for several cycles (a subject's turns), read in one statement."""
    stages = {c.id: [s.name for s in c.definition.stages if any(f.name == field for f in s.form)]
              for c in cycles}
    wanted = {name for names in stages.values() for name in names}
    newest: dict[tuple[int, str], dict] = {}
    if wanted:
        for cycle_id, stage, data in session.execute(
                select(Deliverable.cycle_id, Deliverable.stage, DeliverableVersion.data)
                .join(DeliverableVersion, DeliverableVersion.deliverable_id == Deliverable.id)
                .where(Deliverable.cycle_id.in_(stages), Deliverable.stage.in_(wanted))
                .order_by(DeliverableVersion.number)):
            newest[cycle_id, stage] = data  # the last one read is the newest
    out = {}
    for cycle in cycles:
        found = next((newest[cycle.id, stage] for stage in reversed(stages[cycle.id])
                      if (cycle.id, stage) in newest), None)
        out[cycle.id] = list((found or {}).get(field) or [])
    return out


def carry_over(session, previous: Cycle, following: Cycle, now: dt.datetime) -> int:
    """Link `following` to the turn before it and, once that turn is closed, copy its
    improvement plan into open items (once). In the caller's transaction."""
    if following.previous_id not in (None, previous.id) or following.id == previous.id:
        return 0
    following.previous_id = previous.id
    if previous.stage != CLOSED or session.scalar(select(CarriedMeasure.id).where(
            CarriedMeasure.cycle_id == following.id,
            CarriedMeasure.from_cycle_id == previous.id).limit(1)) is not None:
        return 0
    rows = [r for r in latest_rows(session, previous, PLAN_FIELD) if r.get("measure")]
    for position, row in enumerate(rows, start=1):
        session.add(CarriedMeasure(
            cycle_id=following.id, from_cycle_id=previous.id, position=position,
            problem=str(row.get("problem") or ""), measure=str(row["measure"]),
            owner=str(row.get("owner") or "")[:100],
            deadline=dt.date.fromisoformat(row["deadline"]) if row.get("deadline") else None))
    session.add(AuditEvent(action="carry_over", cycle_id=following.id, at=now,
                           to_stage=following.stage, round=following.round,
                           data={"from_cycle": previous.id, "measures": len(rows)}))
    return len(rows)


def open_items(session, cycle: Cycle) -> list[CarriedMeasure]:
    return list(session.scalars(select(CarriedMeasure).where(CarriedMeasure.cycle_id == cycle.id)
                                .order_by(CarriedMeasure.from_cycle_id, CarriedMeasure.position)))


def follow_up_proposal(session, cycle: Cycle) -> list[dict]:
    """The follow-up table a diagnosis starts from: one row per carried measure."""
    return [{"measure": item.measure, "status": "" if item.status == "open" else item.status,
             "evidence": item.follow_up or ""} for item in open_items(session, cycle)]


def record_follow_up(session, cycle: Cycle, rows: list[dict], now: dt.datetime) -> int:
    """An approved diagnosis says how each carried measure was carried out (落实情况)."""
    by_measure = {}
    for row in rows:
        by_measure.setdefault(str(row.get("measure") or "").strip(), row)
    changed = 0
    for item in open_items(session, cycle):
        row = by_measure.get(item.measure.strip())
        if row is None or not row.get("status"):
            continue
        item.status, item.follow_up, item.updated_at = row["status"], row.get("evidence"), now
        changed += 1
    return changed


def proposed_targets(session, cycle: Cycle) -> list[dict]:
    """The next turn's targets from the last one's results: each target the last diagnosis
    reported, raised to what was achieved when met, kept when missed; its actual value the
    new baseline. Empty on a first turn."""
    if cycle.previous_id is None:
        return []
    previous = session.get(Cycle, cycle.previous_id)
    operators = {i.code: i.operator for i in library.current(session, active_only=False)}
    rows = []
    for row in latest_rows(session, previous, ACHIEVEMENTS):
        indicator = str(row.get("indicator") or "").strip()
        target, actual = _number(row.get("target")), _number(row.get("actual"))
        if not indicator or target is None:
            continue
        operator = operators.get(indicator.split()[0].upper(), ">=")
        value = next_target(operator, target, actual, row.get("met") == "yes")
        rows.append({"indicator": indicator, "baseline": _plain(actual if actual is not None
                                                               else target),
                     "target": _plain(value), "deadline": cycle.period.end.isoformat()})
    return rows


def chain(session, cycle: Cycle) -> list[Turn]:
    """The subject's turns, oldest first, this one among them, with achievement rates."""
    # A subject's turns are its cycles of other periods: read together, then followed by link.
    subject = {c.id: c for c in session.scalars(select(Cycle).options(joinedload(Cycle.period))
                                                .where(Cycle.level == cycle.level,
                                                       Cycle.subject_kind == cycle.subject_kind,
                                                       Cycle.subject_id == cycle.subject_id))}
    subject[cycle.id] = cycle
    following_of = {c.previous_id: c for c in subject.values() if c.previous_id is not None}
    turns = [cycle]
    while turns[0].previous_id is not None and len(turns) < MAX_TURNS:
        turns.insert(0, subject.get(turns[0].previous_id)
                     or session.get(Cycle, turns[0].previous_id))
    following = cycle
    while len(turns) < MAX_TURNS:
        following = following_of.get(following.id) or session.scalars(
            select(Cycle).where(Cycle.previous_id == following.id).limit(1)).first()
        if following is None:
            break
        turns.append(following)
    rows = latest_rows_of(session, turns, ACHIEVEMENTS)
    out = []
    for turn in turns:
        judged = [r for r in rows[turn.id] if r.get("met") in ("yes", "no")]
        out.append(Turn(turn, sum(1 for r in judged if r["met"] == "yes"), len(judged)))
    return out


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _plain(value) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
