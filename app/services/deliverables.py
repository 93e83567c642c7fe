"""What the college already knows about a stage's deliverable: the rules its tables must keep
and the rows a first fill-in starts from.

Stage forms are data (workflows/definitions); three field names carry a meaning here:
`targets` and `standards` are tables whose rows must each name an indicator of the level's
library (a target or a standard that cannot be measured is not let through), and
`achievements` is the diagnosis table, in which a target the data says was missed must be
marked not met and given an improvement measure.
"""
from __future__ import annotations

from sqlalchemy import select

from app.models import Cycle, Target
from app.services import catalog, standards, turns
from app.services import targets as chain
from app.services.errors import Invalid
from workflows import guards
from workflows.model import N_, Stage

MEASURED = ("targets", "standards")
UNIQUE = ("targets", "achievements")
ACHIEVEMENTS = "achievements"


def check(session, cycle: Cycle, stage: Stage, data: dict) -> None:
    """Refuse a deliverable that breaks the rules of its tables, naming each cell."""
    names = {f.name for f in stage.form}
    errors: dict = {}
    for name in MEASURED:
        if name in names:
            errors.update(_unmeasured(session, cycle, name, data.get(name) or []))
    for name in UNIQUE:  # one target per indicator, one judgement of it
        if name in names:
            errors.update(_repeated(session, cycle, name, data.get(name) or []))
    if ACHIEVEMENTS in names:
        rows = data.get(ACHIEVEMENTS) or []
        errors.update(guards.unmet_without_measure(rows, ACHIEVEMENTS))
        errors.update(_against_the_data(session, cycle, rows))
    if errors:
        raise Invalid(N_("Some fields need attention."), errors=errors)


def _unmeasured(session, cycle: Cycle, name: str, rows: list[dict]) -> dict:
    errors = {}
    example = None
    known = chain.library_names(session, cycle)
    for i, row in enumerate(rows, start=1):
        if chain.row_code(known, row.get("indicator")) is None:
            example = example or min(known, default="M01")
            errors[f"{name}[{i}].indicator"] = (
                N_("Start with the code of an indicator of the library (for example "
                   "%(code)s): a target or a standard must be measurable."), {"code": example})
    return errors


def _repeated(session, cycle: Cycle, name: str, rows: list[dict]) -> dict:
    known = chain.library_names(session, cycle)
    seen, errors = {}, {}
    for i, row in enumerate(rows, start=1):
        code = chain.row_code(known, row.get("indicator"))
        if code in seen:
            errors[f"{name}[{i}].indicator"] = (N_("The same indicator as row %(row)d."),
                                                {"row": seen[code]})
        elif code:
            seen[code] = i
    return errors


def _against_the_data(session, cycle: Cycle, rows: list[dict]) -> dict:
    """A target the data says was missed must be in the table, marked not met."""
    errors = {}
    by_code = {}
    known = chain.library_names(session, cycle)
    for i, row in enumerate(rows, start=1):
        code = chain.row_code(known, row.get("indicator"))
        if code:
            by_code.setdefault(code, (i, row))
    for a in chain.achievements(session, chain.of_cycle(session, cycle)):
        if a.met is not False:
            continue
        params = {"target": a.target.indicator_code, "actual": chain.plain(a.actual),
                  "value": chain.plain(a.target.value)}
        if a.target.indicator_code not in by_code:
            errors.setdefault(ACHIEVEMENTS, (
                N_("Target %(target)s was not met (%(actual)s against %(value)s): add it, "
                   "marked not met, with an improvement measure."), params))
            continue
        i, row = by_code[a.target.indicator_code]
        if row.get("met") != "no":
            errors[f"{ACHIEVEMENTS}[{i}].met"] = (
                N_("The data says this target was not met (%(actual)s against %(value)s)."),
                params)
    return errors


def missed_without_measure(session, cycle: Cycle, data: dict) -> list[str]:
    """The targets a diagnosis report leaves without an improvement measure: marked not met
    without one, or missed by the data and not marked so. Empty when it may pass review."""
    rows = data.get(ACHIEVEMENTS) or []
    missing = [str(row.get("indicator") or "") for row in rows
               if row.get("met") == "no" and not str(row.get("measure") or "").strip()]
    known = chain.library_names(session, cycle)
    by_code = {chain.row_code(known, row.get("indicator")): row for row in rows}
    for a in chain.achievements(session, chain.of_cycle(session, cycle)):
        row = by_code.get(a.target.indicator_code)
        if a.met is False and (row is None or row.get("met") != "no"):
            missing.append(_named(known, a.target.indicator_code))
    return list(dict.fromkeys(missing))


def proposal(session, cycle: Cycle, stage: Stage) -> dict | None:
    """What a first fill-in starts from: the unit's confirmed targets and the last turn's
    results, the level's standards, at diagnosis each target against the data, the catalogue's
    diagnosis points and the measures carried from the last turn."""
    names = {f.name for f in stage.form}
    known = chain.library_names(session, cycle)
    out: dict = {}
    if "targets" in names:
        rows = [] if cycle.subject_kind != "unit" else [
            {"indicator": _named(known, t.indicator_code),
             "baseline": chain.plain(t.baseline), "target": chain.plain(t.value),
             "deadline": t.deadline.isoformat()}
            for t in session.scalars(select(Target).where(
                Target.unit_id == cycle.unit_id, Target.period_id == cycle.period_id,
                Target.status == "confirmed").order_by(Target.indicator_code))]
        taken = {chain.row_code(known, r["indicator"]) for r in rows}
        rows += [r for r in turns.proposed_targets(session, cycle)
                 if chain.row_code(known, r["indicator"]) not in taken]
        if rows:
            out["targets"] = rows
    if standards.FIELD in names:
        out.update(standards.proposal(session, cycle))
    if "diagnosis" in names:
        book = catalog.current(session)
        rows = [{"point": p.label, "rating": "", "finding": ""}
                for p in catalog.points(book.data if book else None, cycle.level)]
        if rows:
            out["diagnosis"] = rows
    if turns.FOLLOW_UP in names:
        rows = turns.follow_up_proposal(session, cycle)
        if rows:
            out[turns.FOLLOW_UP] = rows
    if ACHIEVEMENTS in names:  # a target without data yet is left for its owner to add
        rows = [{"indicator": _named(known, a.target.indicator_code),
                 "target": chain.plain(a.target.value), "actual": chain.plain(a.actual),
                 "met": "yes" if a.met else "no"}
                for a in chain.achievements(session, chain.of_cycle(session, cycle))
                if a.met is not None]
        if rows:
            out[ACHIEVEMENTS] = rows
    return out or None


def _named(known: dict[str, str], code: str) -> str:
    """"M01 专业毕业去向落实率": how a table row names an indicator."""
    return f"{code} {known.get(code, '')}".strip()
