"""Roll-ups for the quality analysis reports (质量分析报告): a department's year by level, the
college's year by department; the achievement of each subject, the warnings, stage progress.

Every figure is counted in a few queries for the whole unit, never one per cycle.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.models import Cycle, Deliverable, OrgUnit, Period, Warning, in_subtree
from app.services.common import TZ
from app.services.measurements import data_label
from workflows import CLOSED

#: The levels a department's work is diagnosed at, in the order reports list them.
LEVELS = ("major", "course", "teacher", "student")
ACHIEVEMENTS = "achievements"


@dataclass
class Row:
    """One line of a roll-up: a level of a department, or a department of the college."""

    key: str
    label: str
    cycles: int = 0
    closed: int = 0
    met: int = 0
    judged: int = 0
    warnings: int = 0
    warnings_closed: int = 0
    subjects: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.met / self.judged if self.judged else None

    @property
    def empty(self) -> bool:
        return self.cycles == 0


def periods_of(session, year: Period) -> list[int]:
    """The year and its terms."""
    return [year.id, *session.scalars(select(Period.id).where(Period.parent_id == year.id))]


def _cycles(session, unit: OrgUnit, year: Period, levels) -> list[Cycle]:
    return list(session.scalars(
        select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id)
        .options(joinedload(Cycle.unit))
        .where(in_subtree(OrgUnit.path, unit.path), Cycle.level.in_(levels),
               Cycle.period_id.in_(periods_of(session, year)))
        .order_by(OrgUnit.path, Cycle.subject_name)))


def _achieved(session, cycles: list[Cycle]) -> dict[int, tuple[int, int]]:
    """(met, judged) per cycle, from the newest version of its diagnosis (one query)."""
    if not cycles:
        return {}
    out = {}
    for deliverable in session.scalars(
            select(Deliverable).options(joinedload(Deliverable.versions))
            .where(Deliverable.cycle_id.in_([c.id for c in cycles]),
                   Deliverable.stage == "diagnose")).unique():
        if not deliverable.versions:
            continue
        rows = [r for r in deliverable.versions[-1].data.get(ACHIEVEMENTS) or []
                if r.get("met") in ("yes", "no")]
        out[deliverable.cycle_id] = (sum(1 for r in rows if r["met"] == "yes"), len(rows))
    return out


def _warnings(session, unit: OrgUnit, year: Period) -> list[Warning]:
    return list(session.scalars(
        select(Warning).join(OrgUnit, OrgUnit.id == Warning.unit_id)
        .options(joinedload(Warning.unit))
        .where(in_subtree(OrgUnit.path, unit.path),
               Warning.period_label == data_label(session, year))))


def _add(row: Row, cycles: list[Cycle], achieved) -> None:
    for cycle in cycles:
        row.cycles += 1
        row.closed += cycle.stage == CLOSED
        met, judged = achieved.get(cycle.id, (0, 0))
        row.met, row.judged = row.met + met, row.judged + judged
        row.subjects.append((cycle.subject_name, met / judged if judged else None))


def department(session, unit: OrgUnit, year: Period, labels: dict[str, str]) -> list[Row]:
    """A department's year, one row per level (a level without cycles is an empty row)."""
    cycles = _cycles(session, unit, year, LEVELS)
    achieved = _achieved(session, cycles)
    rows = {level: Row(level, labels.get(level, level)) for level in LEVELS}
    by_level = defaultdict(list)
    for cycle in cycles:
        by_level[cycle.level].append(cycle)
    for level, group in by_level.items():
        _add(rows[level], group, achieved)
    warnings = _warnings(session, unit, year)
    major_row = rows["major"]  # warnings are on units: they belong to the majors' line
    major_row.warnings = len(warnings)
    major_row.warnings_closed = sum(1 for w in warnings if w.state == "closed")
    return list(rows.values())


def college(session, root: OrgUnit, year: Period) -> list[Row]:
    """The college's year, one row per department (teaching or not)."""
    departments = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == root.id,
                                                        OrgUnit.kind == "department")
                                  .order_by(OrgUnit.code)).all()
    cycles = _cycles(session, root, year, LEVELS)
    achieved = _achieved(session, cycles)
    warnings = _warnings(session, root, year)
    rows = []
    for unit in departments:
        row = Row(unit.code, unit.name)
        _add(row, [c for c in cycles if c.unit.path.startswith(unit.path)], achieved)
        mine = [w for w in warnings if w.unit.path.startswith(unit.path)]
        row.warnings, row.warnings_closed = len(mine), sum(1 for w in mine if w.state == "closed")
        rows.append(row)
    return rows


def warnings_by_month(session, unit: OrgUnit, year: Period) -> tuple[list[str], dict]:
    """Warnings opened in each month of the year, red and yellow apart."""
    months = []
    day = year.start.replace(day=1)
    while day <= year.end:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    counts = {"red": Counter(), "yellow": Counter()}
    start = dt.datetime.combine(year.start, dt.time(), tzinfo=TZ)
    end = dt.datetime.combine(year.end + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
    for severity, opened in session.execute(
            select(Warning.severity, Warning.opened_at).join(OrgUnit, OrgUnit.id == Warning.unit_id)
            .where(in_subtree(OrgUnit.path, unit.path), Warning.opened_at >= start,
                   Warning.opened_at < end)):
        counts[severity][opened.astimezone(TZ).strftime("%Y-%m")] += 1
    return months, {s: [c[m] for m in months] for s, c in counts.items()}


def stage_progress(session, unit: OrgUnit, year: Period) -> dict[str, Counter]:
    """How many of each level's cycles stand at each stage."""
    progress: dict[str, Counter] = defaultdict(Counter)
    for level, stage in session.execute(
            select(Cycle.level, Cycle.stage).join(OrgUnit, OrgUnit.id == Cycle.unit_id)
            .where(in_subtree(OrgUnit.path, unit.path), Cycle.level.in_(LEVELS),
                   Cycle.period_id.in_(periods_of(session, year)))):
        progress[level][stage] += 1
    return dict(progress)
