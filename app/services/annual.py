"""The annual quality report (质量年报): its tables, fields and chapters for a year, the offices'
parts opened as tasks, and the values gathered from the status data and from those parts.

The configuration is data the quality office keeps per year (Excel out and in). Each office's
part is a cycle of the `annual_part` definition, so it has a due date, reminders and a review
by the quality office like any other work; the report is compiled from the newest version of
each part and from the college's values in the status data.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.exports import xlsx_bytes
from app.models import (
    AnnualReport, AuditEvent, Cycle, Deliverable, Measurement, OrgUnit, Period, User, utcnow,
)
from app.services import indicators as library
from app.services.common import begin_write, role_holders
from app.services.errors import Conflict, Invalid, NotFound
from app.services.measurements import data_label, read_table, sheet_header
from workflows.forms import bad_characters
from workflows.model import N_

DEFAULTS = Path(__file__).resolve().parents[1] / "data" / "annual-report-tables.yaml"
PART, COMPILE = "annual_part", "annual"
SHEET = (("table", "表名"), ("field", "指标"), ("unit", "单位"), ("source", "数据来源"))
CHAPTER_TABLE = "章节"


@dataclass(frozen=True)
class Field:
    table: str
    name: str
    unit: str
    indicator: str | None
    office: str | None


@dataclass
class Value:
    """One field's value for the year: what it is, last year's, and where it came from."""

    field: Field
    current: Decimal | None = None
    previous: Decimal | None = None
    state: str = "missing"  # from_data | approved | submitted | missing
    who: str = ""


def fields(config: dict) -> list[Field]:
    return [Field(t["name"], f["name"], str(f.get("unit", "")), f.get("indicator"),
                  f.get("office")) for t in config.get("tables", []) for f in t["fields"]]


def chapters(config: dict) -> list[dict]:
    return list(config.get("chapters", []))


def offices(config: dict) -> list[str]:
    """The codes of the offices with a part of the report, in order of first mention."""
    codes = [c["office"] for c in chapters(config)] + [f.office for f in fields(config)
                                                       if f.office]
    return list(dict.fromkeys(codes))


def of_year(session, year: Period) -> AnnualReport | None:
    return session.scalars(select(AnnualReport).where(AnnualReport.period_id == year.id)).first()


def ensure(session, actor: User | None, year: Period) -> AnnualReport:
    """The year's report, made from the default tables the first time."""
    report = of_year(session, year)
    if report is None:
        data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
        report = AnnualReport(period_id=year.id, config={"tables": data["tables"],
                                                         "chapters": data["chapters"]},
                              created_by_id=actor.id if actor else None)
        session.add(report)
        session.flush()
    return report


def launch(session, actor: User, year: Period, now: dt.datetime | None = None) -> dict:
    """Open each responsible office's part and the college's compiling task (each once)."""
    # Imported here: the cycle service checks the parts with this module's rules.
    from app.services.cycles import definition_for_level, open_cycle
    now = now or utcnow()
    begin_write(session)
    report = ensure(session, actor, year)
    codes = offices(report.config)
    units = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
    unknown = [c for c in codes if c not in units]
    if unknown:
        raise Invalid(N_("The report names offices that do not exist: %(codes)s."),
                      codes="、".join(unknown))
    existing = {(c.level, c.subject_id) for c in session.scalars(select(Cycle).where(
        Cycle.level.in_([PART, COMPILE]), Cycle.period_id == year.id))}
    leaders = role_holders(session, "unit_leader")
    part = definition_for_level(PART)
    opened, skipped = [], []
    for code in codes:
        unit = units[code]
        if (PART, unit.id) in existing:
            continue
        if unit.id not in leaders:
            skipped.append(unit.name)
            continue
        opened.append(open_cycle(session, actor, part, year, PART, unit, "unit", unit.id,
                                 unit.name, leaders[unit.id], now))
    root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
    if (COMPILE, root.id) not in existing:
        owner = role_holders(session, "quality_office").get(root.id)
        if owner is None:
            raise Invalid(N_("No one holds the quality office role to compile the report."))
        opened.append(open_cycle(session, actor, definition_for_level(COMPILE), year, COMPILE,
                                 root, "unit", root.id, root.name, owner, now))
    session.commit()
    return {"opened": opened, "skipped": skipped}


def _part_rows(session, year: Period) -> dict[str, tuple[Cycle, Deliverable | None]]:
    """Each office's part of the year (office code → its cycle and deliverable)."""
    parts = session.scalars(select(Cycle).options(joinedload(Cycle.unit)).where(
        Cycle.level == PART, Cycle.period_id == year.id)).all()
    deliverables = {d.cycle_id: d for d in session.scalars(select(Deliverable).where(
        Deliverable.cycle_id.in_([c.id for c in parts])))} if parts else {}
    return {c.unit.code: (c, deliverables.get(c.id)) for c in parts}


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


def previous_label(label: str) -> str | None:
    return str(int(label) - 1) if label.isdigit() else None


def values(session, report: AnnualReport, year: Period) -> list[Value]:
    """Every field's value: from the college's status data where it names an indicator, from
    the responsible office's newest part where it does not."""
    root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
    label = data_label(session, year)
    labels = [label] + ([previous_label(label)] if previous_label(label) else [])
    data = {(m.indicator_code, m.period_label): m.value for m in session.scalars(
        select(Measurement).where(Measurement.unit_id == root.id,
                                  Measurement.period_label.in_(labels)))}
    parts = _part_rows(session, year)
    out = []
    for field in fields(report.config):
        value = Value(field)
        if field.indicator:
            value.current = data.get((field.indicator, label))
            value.previous = data.get((field.indicator, previous_label(label)))
            value.state = "from_data" if value.current is not None else "missing"
            value.who = field.indicator
        else:
            cycle, deliverable = parts.get(field.office, (None, None))
            if cycle is not None:
                value.who = cycle.unit.name
            if deliverable is not None and deliverable.versions:
                rows = {(r.get("table"), r.get("field")): r
                        for r in deliverable.versions[-1].data.get("values") or []}
                row = rows.get((field.table, field.name))
                if row is not None and row.get("current") is not None:
                    value.current, value.previous = _number(row["current"]), _number(
                        row.get("previous"))
                    value.state = "approved" if deliverable.status == "approved" else "submitted"
        out.append(value)
    return out


def chapter_texts(session, report: AnnualReport, year: Period) -> list[tuple[dict, str, str, str]]:
    """Each chapter with its text, its state (approved, submitted, missing) and its office."""
    parts = _part_rows(session, year)
    out = []
    for chapter in chapters(report.config):
        cycle, deliverable = parts.get(chapter["office"], (None, None))
        text, state = "", "missing"
        if deliverable is not None and deliverable.versions:
            text = _section(deliverable.versions[-1].data.get("chapter") or "", chapter["title"])
            state = "approved" if deliverable.status == "approved" else "submitted"
            if not text.strip():
                state = "missing"
        out.append((chapter, text, state, cycle.unit.name if cycle else chapter["office"]))
    return out


#: Units of measure that count whole things: a value of theirs is a whole number.
WHOLE_UNITS = frozenset({"人", "个", "项", "门", "篇", "次", "家", "本", "部", "课时", "学时"})


def check_part(session, cycle: Cycle, data: dict) -> None:
    """An office's part holds its own fields only (a row of another office's, or of no table,
    would be quietly dropped from the report) and a chapter only if it writes one."""
    report = of_year(session, cycle.period)
    if report is None:
        return
    mine = {(f.table, f.name): f for f in fields(report.config) if f.office == cycle.unit.code}
    errors = {}
    for i, row in enumerate(data.get("values") or [], start=1):
        field = mine.get((row.get("table"), row.get("field")))
        if field is None:
            errors[f"values[{i}].field"] = (
                N_("Not one of this office's fields in the report's tables."), {})
            continue
        for column in ("previous", "current"):
            value = row.get(column)
            if field.unit in WHOLE_UNITS and value is not None and value != int(value):
                errors[f"values[{i}].{column}"] = (
                    N_("Counted in %(unit)s: give a whole number."), {"unit": field.unit})
    if (data.get("chapter") or "").strip() and not any(
            c["office"] == cycle.unit.code for c in chapters(report.config)):
        errors["chapter"] = (N_("This office writes no chapter of the report."), {})
    if errors:
        raise Invalid(N_("Some fields need attention."), errors=errors)


def _section(text: str, title: str) -> str:
    """An office writing two chapters heads each with 【title】; otherwise the whole text."""
    marker = f"【{title}】"
    if marker not in text:
        return text if "【" not in text else ""
    after = text.split(marker, 1)[1]
    return after.split("【", 1)[0].strip()


def proposal(session, cycle: Cycle) -> dict:
    """An office's part starts with its fields (last year's value beside them where it gave
    one) and a heading for each chapter it writes."""
    report = of_year(session, cycle.period)
    if report is None:
        return {}
    code = cycle.unit.code
    last = {}
    before = session.scalars(select(Period).where(Period.kind == "year",
                                                  Period.end < cycle.period.start)
                             .order_by(Period.start.desc())).first()
    if before is not None:
        previous, deliverable = _part_rows(session, before).get(code, (None, None))
        if deliverable is not None and deliverable.versions:
            last = {(r.get("table"), r.get("field")): r.get("current")
                    for r in deliverable.versions[-1].data.get("values") or []}
    rows = [{"table": f.table, "field": f.name, "unit": f.unit,
             "previous": "" if last.get((f.table, f.name)) is None
             else str(last[(f.table, f.name)]), "current": "", "note": ""}
            for f in fields(report.config) if f.office == code]
    mine = [c["title"] for c in chapters(report.config) if c["office"] == code]
    out = {}
    if rows:
        out["values"] = rows
    if mine:  # a heading for each chapter says what to write, and where
        out["chapter"] = "\n\n".join(f"【{title}】\n" for title in mine)
    return out


def export_config(report: AnnualReport) -> bytes:
    rows = [[f.table, f.name, f.unit, f.indicator or f.office or ""] for f in fields(report.config)]
    rows += [[CHAPTER_TABLE, c["title"], "", c["office"]] for c in chapters(report.config)]
    return xlsx_bytes("质量年报表格", [heading for _key, heading in SHEET], rows)


def import_config(session, actor: User, year: Period, filename: str, data: bytes,
                  now: dt.datetime | None = None) -> list:
    """Replace the year's tables and chapters from an edited workbook; every bad row is
    reported and nothing changes. A source is an indicator code or an office code."""
    now = now or utcnow()
    table = read_table(filename, data)
    start, at = sheet_header(table, SHEET)
    indicator_codes = {i.code for i in library.current(session)}
    office_codes = set(session.scalars(select(OrgUnit.code).where(
        OrgUnit.kind.in_(["office", "department"]))))
    tables: dict[str, list] = {}
    chapter_rows, errors = [], []
    for number, cells in enumerate(table[start + 1:], start=start + 2):
        if not any(cells):
            continue
        row = {key: (cells[i].strip() if i < len(cells) else "") for key, i in at.items()}
        source = row["source"].upper()
        if any(bad_characters(text) for text in row.values()):
            errors.append((number, N_("The text contains characters that cannot be stored."),
                           {}))
        elif not row["table"] or not row["field"]:
            errors.append((number, N_("%(columns)s missing."), {"columns": "表名、指标"}))
        elif row["table"] == CHAPTER_TABLE:
            if source not in office_codes:
                errors.append((number, N_("%(code)s is not an office."), {"code": row["source"]}))
            else:
                chapter_rows.append({"title": row["field"], "office": source})
        elif source in indicator_codes:
            tables.setdefault(row["table"], []).append(
                {"name": row["field"], "unit": row["unit"], "indicator": source})
        elif source in office_codes:
            tables.setdefault(row["table"], []).append(
                {"name": row["field"], "unit": row["unit"], "office": source})
        else:
            errors.append((number, N_("%(code)s is neither an indicator nor an office."),
                           {"code": row["source"] or "—"}))
    if errors:
        return errors
    if not tables:
        raise Invalid(N_("The file is empty."))
    report = ensure(session, actor, year)
    report.config = copy.deepcopy({"tables": [{"name": name, "fields": rows}
                                              for name, rows in tables.items()],
                                   "chapters": chapter_rows})
    report.updated_at = now
    session.add(AuditEvent(action="annual_config", actor_id=actor.id, at=now,
                           data={"year": year.name, "fields": len(fields(report.config)),
                                 "chapters": len(chapter_rows)}))
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict(N_("Someone else has just changed these tables; reload and try again.")
                       ) from None
    return []


def year_of(session, year_id: int) -> Period:
    year = session.get(Period, year_id)
    if year is None or year.kind != "year":
        raise NotFound(N_("No such academic year."))
    return year
