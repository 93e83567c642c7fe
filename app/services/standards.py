"""The standard chain (标准链): each level's plan, resource, action and result standards, each
measured by indicators of the library, proposed to a cycle's standard stage and checked there.

A standard no indicator measures cannot be saved, and a standard stage cannot be submitted with
a row whose indicator is not in the library: standards that cannot be measured are the weak
point quality offices name, and Spiral does not let them through.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select

from app.models import AuditEvent, Cycle, Standard, Target, User
from app.services import indicators as library
from app.services.errors import Invalid
from workflows.model import N_

KINDS = ("plan", "resource", "action", "result")
#: The stage form field that holds a cycle's standards (workflows/definitions/*.toml).
FIELD = "standards"


def seed_standards(session, path: Path) -> int:
    """Load the default standards if they are not there yet."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = set(session.scalars(select(Standard.code)))
    added = 0
    for row in data["standards"]:
        if row["code"] in known:
            continue
        session.add(Standard(code=row["code"], level=row["level"], kind=row["kind"],
                             name=row["name"], requirement=row.get("requirement", ""),
                             indicator_codes=",".join(row["indicators"])))
        added += 1
    session.commit()
    return added


def of_level(session, level: str | None = None) -> list[Standard]:
    query = select(Standard).where(Standard.active.is_(True))
    if level:
        query = query.where(Standard.level == level)
    return list(session.scalars(query.order_by(Standard.level, Standard.code)))


def save(session, actor: User, code: str, level: str, kind: str, name: str, requirement: str,
         indicator_codes: str, standard: Standard | None = None) -> Standard:
    """Add a standard, or change one; it must name the indicators that measure it."""
    code = code.strip().upper()
    if standard is None:
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,15}", code):
            raise Invalid(N_("The code must be letters, digits and hyphens, at most 16."))
        if session.scalar(select(Standard.id).where(Standard.code == code)):
            raise Invalid(N_("The code %(code)s is taken."), code=code)
        if level not in library.LEVELS:
            raise Invalid(N_("Unknown level %(level)s."), level=level or "—")
    if kind not in KINDS:
        raise Invalid(N_("The kind must be plan, resource, action or result."))
    if not name.strip():
        raise Invalid(N_("The standard needs a name."))
    codes = [c.strip().upper() for c in indicator_codes.replace("，", ",").split(",") if c.strip()]
    if not codes:
        raise Invalid(N_("Name at least one indicator that measures this standard."))
    known = {i.code: i for i in library.current(session, standard.level if standard else level)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(N_("Not indicators of this level: %(codes)s."), codes=", ".join(unknown))
    if standard is None:
        standard = Standard(code=code, level=level)
        session.add(standard)
    standard.kind, standard.name = kind, name.strip()[:200]
    standard.requirement, standard.indicator_codes = requirement.strip(), ",".join(codes)
    session.add(AuditEvent(action="standard_saved", actor_id=actor.id,
                           data={"code": standard.code, "indicators": codes}))
    session.commit()
    return standard


def proposal(session, cycle: Cycle) -> dict:
    """The standard stage's table, proposed from the level's standards: one row per indicator,
    with the unit's own target for the period where it has one, else the library's."""
    targets = {t.indicator_code: t.value for t in session.scalars(
        select(Target).where(Target.unit_id == cycle.unit_id,
                             Target.period_id.in_(_period_ids(session, cycle))))}
    lines = {i.code: i for i in library.current(session, cycle.level)}
    rows, seen = [], set()
    for standard in of_level(session, cycle.level):
        for code in standard.indicator_codes.split(","):
            if code not in lines or (standard.kind, code) in seen:
                continue
            seen.add((standard.kind, code))
            indicator = lines[code]
            rows.append({"kind": standard.kind, "indicator": f"{code} {indicator.name}",
                         "target": _plain(targets.get(code, indicator.target)),
                         "standard": _plain(indicator.target), "warning": _plain(indicator.warn)})
    return {FIELD: rows} if rows else {}


def _period_ids(session, cycle: Cycle) -> list[int]:
    period = cycle.period
    return [period.id] + ([period.parent_id] if period.parent_id else [])


def _plain(value) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
