"""Measurements in, from the status-data platform's export (CSV or Excel): preview, then accept.

Every bad row is reported with its row number and reason, nothing is written unless the
preview is accepted, and importing the same file again changes nothing.
"""
from __future__ import annotations

import csv
import re
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from sqlalchemy import select

from app.models import AuditEvent, Indicator, Measurement, OrgUnit, Period, User, utcnow
from app.services import warnings
from app.services.common import exclusive
from app.services.errors import Invalid
from workflows.forms import bad_characters
from workflows.indicators import judge
from workflows.model import N_

COLUMNS = ("period", "unit_code", "indicator_code", "value")
#: How the status-data platform labels a period: its year (a 学年 starting that year).
PERIOD = re.compile(r"20\d\d")
#: The Chinese headings a hand-made or platform sheet may use instead of the column names.
ALIASES = {"年度": "period", "统计年度": "period", "数据年度": "period", "期间": "period",
           "单位代码": "unit_code", "专业代码": "unit_code", "部门代码": "unit_code",
           "单位名称": "unit_name", "专业名称": "unit_name",
           "指标代码": "indicator_code", "指标编码": "indicator_code", "指标名称": "indicator_name",
           "数值": "value", "值": "value", "指标值": "value", "来源": "source", "数据来源": "source"}
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 100_000


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    period: str
    unit_code: str
    indicator_code: str
    raw_value: str
    source: str
    value: Decimal | None = None
    status: str | None = None
    error: str | None = None
    error_params: dict = field(default_factory=dict)
    change: str | None = None  # new | changed | unchanged


@dataclass
class Preview:
    rows: list[Row]

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if r.error is None]

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if r.error is not None]


class IndicatorLines:
    """The library's versions, loaded once: which lines judge a code's value for a data period.

    A version applies from its `from_label` on; a period uses the newest version that had begun,
    so last year's values stay judged by last year's lines.
    """

    def __init__(self, session, retired: bool = False):
        """The active indicators' lines; with `retired`, those of retired ones too (to read
        their history; values of a retired indicator are no longer taken in)."""
        self.versions: dict[str, list[Indicator]] = {}
        query = select(Indicator) if retired else select(Indicator).where(
            Indicator.active.is_(True))
        for indicator in session.scalars(query.order_by(Indicator.from_label,
                                                        Indicator.version)):
            self.versions.setdefault(indicator.code, []).append(indicator)

    def known(self, code: str) -> bool:
        return code in self.versions

    def for_period(self, code: str, label: str) -> Indicator:
        versions = self.versions[code]
        begun = [v for v in versions if v.from_label <= label]
        return begun[-1] if begun else versions[0]

    def judge(self, code: str, label: str, value) -> str:
        lines = self.for_period(code, label)
        return judge(value, lines.operator, lines.target, lines.warn, lines.severe)


def seed_indicators(session, path: Path) -> int:
    """Load the default indicator library (version 1 of each code) if it is not there yet."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = set(session.scalars(select(Indicator.code)))
    added = 0
    for row in data["indicators"]:
        if row["code"] in known:
            continue
        session.add(Indicator(code=row["code"], version=1, level=row["level"], name=row["name"],
                              unit_label=str(row.get("unit", "")),
                              data_type=row.get("data_type", "number"),
                              operator=row["operator"], target=Decimal(str(row["target"])),
                              warn=Decimal(str(row["warn"])), severe=Decimal(str(row["severe"])),
                              note=row.get("note")))
        added += 1
    session.commit()
    return added


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The cells of a CSV (UTF-8 or GBK, as Chinese Excel saves it) or an .xlsx file."""
    if not data.strip():
        raise Invalid(N_("The file is empty."))
    if filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception:  # openpyxl raises many kinds for a broken workbook
            raise Invalid(N_("The Excel file cannot be read.")) from None
        return [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid(N_("The file is neither UTF-8 nor GBK text."))
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def sheet_header(table: list[list[str]], sheet: tuple[tuple[str, str], ...]
                 ) -> tuple[int, dict[str, int]]:
    """Where a workbook of ours starts: the index of the first of its top rows that names every
    column of `sheet` ((key, Chinese heading) pairs; either may be used), and each column's
    position by key."""
    headings = {h: k for k, h in sheet} | {k: k for k, _h in sheet}
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        at = {}
        for i, cell in enumerate(row):
            if cell.strip() in headings:
                at.setdefault(headings[cell.strip()], i)
        if len(at) == len(sheet):
            return index, at
    raise Invalid(N_("The header row lacks the column(s) %(columns)s."),
                  columns="、".join(h for _k, h in sheet))


def _text(cell) -> str:
    """A spreadsheet cell as the text a person sees: 2026, not 2026.0."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _cell(cells: list[str], at: dict[str, int], name: str) -> str:
    i = at.get(name)
    return cells[i] if i is not None and i < len(cells) else ""


def _header(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header row's index and where each column is: the first of the top rows naming all
    the columns, so a title row or a merged two-row header above it is passed over."""
    first, above = None, []
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        if not any(cells):
            above = []
            continue
        # a heading merged down over two rows sits in the upper one: fill the gaps from it
        merged = [cell or (above[i] if i < len(above) else "") for i, cell in enumerate(cells)]
        for candidate in (cells, merged):
            at = {}
            for i, cell in enumerate(candidate):
                at.setdefault(ALIASES.get(cell.strip().lower(), cell.strip().lower()), i)
            if all(c in at for c in COLUMNS):
                return index, at
            first = at if first is None else first
        above = cells
    if first is None:
        raise Invalid(N_("The file is empty."))
    missing = [c for c in COLUMNS if c not in first]
    raise Invalid(N_("The header row lacks the column(s) %(columns)s."),
                  columns=", ".join(missing))


def preview(session, table: list[list[str]]) -> Preview:
    """Check every row against the org tree and the indicator library; write nothing."""
    start, at = _header(table)
    if len(table) - start - 1 > MAX_ROWS:
        raise Invalid(N_("At most %(max)d rows at a time."), max=MAX_ROWS)
    units = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    lines = IndicatorLines(session)
    existing = {(code, unit_id, period): value for code, unit_id, period, value in session.execute(
        select(Measurement.indicator_code, Measurement.unit_id, Measurement.period_label,
               Measurement.value))}
    seen: dict[tuple, int] = {}
    rows = []
    for number, cells in enumerate(table[start + 1:], start=start + 2):
        if not any(cells):
            continue

        row = Row(number, *(_cell(cells, at, name) for name in (*COLUMNS[:3], "value", "source")))
        rows.append(row)
        if any(bad_characters(text) for text in (row.period, row.unit_code, row.indicator_code,
                                                  row.raw_value, row.source)):
            row.error = N_("The text contains characters that cannot be stored.")
        elif not row.period:
            row.error = N_("The period is missing.")
        elif not PERIOD.fullmatch(row.period):
            row.error, row.error_params = (N_("The period %(period)s is not a year such as 2026."),
                                           {"period": row.period[:32]})
        elif not row.unit_code:
            row.error = N_("The unit is missing.")
        elif not row.indicator_code:
            row.error = N_("The indicator is missing.")
        elif row.unit_code not in units:
            row.error, row.error_params = N_("Unknown unit %(code)s."), {"code": row.unit_code}
        elif not lines.known(row.indicator_code):
            row.error, row.error_params = (N_("Unknown indicator %(code)s."),
                                           {"code": row.indicator_code})
        else:
            try:
                row.value = Decimal(row.raw_value.rstrip("%％").strip())
                if not row.value.is_finite() or row.value.adjusted() >= 10:
                    raise InvalidOperation
            except InvalidOperation:
                row.error, row.error_params = (N_("%(value)s is not a number."),
                                               {"value": row.raw_value or "—"})
            else:
                problem = out_of_range(lines.for_period(row.indicator_code, row.period),
                                       row.value)
                if problem:
                    row.error, row.error_params = problem, {"value": row.raw_value}
        if row.error:
            continue
        key = (row.indicator_code, units[row.unit_code], row.period)
        if key in seen:
            row.error, row.error_params = (N_("The same indicator, unit and period as row %(row)d."),
                                           {"row": seen[key]})
            continue
        seen[key] = row.number
        row.status = lines.judge(row.indicator_code, row.period, row.value)
        previous = existing.get(key)
        row.change = ("new" if previous is None
                      else "unchanged" if Decimal(previous) == row.value else "changed")
    return Preview(rows)


def out_of_range(indicator: Indicator, value: Decimal) -> str | None:
    """Why a value cannot be one of this indicator's, or None: a yes / no takes 1 or 0, a
    percentage lies between 0 and 100, and no indicator of the library is ever negative."""
    if indicator.data_type == "boolean" and value not in (0, 1):
        return N_("%(value)s: a yes / no indicator takes 1 (yes) or 0 (no).")
    if indicator.unit_label.strip() in ("%", "％") and not 0 <= value <= 100:
        return N_("%(value)s is not a percentage between 0 and 100.")
    if value < 0:
        return N_("%(value)s: the value cannot be negative.")
    return None


def table_from_json(items) -> list[list[str]]:
    """A pushed list of {period, unit, indicator, value, source} as the rows of a file."""
    if not isinstance(items, list) or not items:
        raise Invalid(N_("Send the values as {\"measurements\": [...]}, at least one."))
    if len(items) > MAX_ROWS:
        raise Invalid(N_("At most %(max)d rows at a time."), max=MAX_ROWS)
    table = [["period", "unit_code", "indicator_code", "value", "source"]]
    for item in items:
        if not isinstance(item, dict):
            raise Invalid(N_("Each measurement must be an object."))
        table.append(["" if item.get(k) is None else str(item.get(k)).strip()
                      for k in ("period", "unit", "indicator", "value", "source")])
    return table


def accept(session, checked: Preview, actor: User | None, source_name: str,
           now: dt.datetime | None = None) -> dict[str, int]:
    """Write the good rows of a preview and judge them: a value beyond its warning line opens
    a warning (预警) for its owner. Refused when any row is bad (fix the file first)."""
    now = now or utcnow()
    if checked.bad:
        raise Invalid(N_("%(count)d row(s) need fixing first; nothing was imported."),
                      count=len(checked.bad))
    exclusive(session, "measurements")  # a second import waits, then finds these values
    units = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    current = {(m.indicator_code, m.unit_id, m.period_label): m for m in session.scalars(
        select(Measurement).where(
            Measurement.indicator_code.in_({r.indicator_code for r in checked.rows}),
            Measurement.period_label.in_({r.period for r in checked.rows})))}
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    written: list[warnings.Value] = []
    for row in checked.rows:
        key = (row.indicator_code, units[row.unit_code], row.period)
        measurement = current.get(key)
        if measurement is None:
            session.add(Measurement(indicator_code=row.indicator_code, unit_id=key[1],
                                    period_label=row.period, value=row.value, status=row.status,
                                    source=row.source[:200] or source_name[:200],
                                    supplied_by_id=actor.id if actor else None, supplied_at=now))
            counts["new"] += 1
        elif Decimal(measurement.value) != row.value:
            measurement.value, measurement.status = row.value, row.status
            measurement.source = row.source[:200] or source_name[:200]
            measurement.supplied_by_id, measurement.supplied_at = (actor.id if actor else None), now
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
            continue
        written.append(warnings.Value(*key, row.value, row.status))
    counts.update(warnings.judge_values(session, written, now))
    if written:
        session.add(AuditEvent(action="import_measurements", actor_id=actor.id if actor else None,
                               at=now, data={"file": source_name, **counts}))
    session.commit()
    return counts


def data_label(session, period: Period) -> str:
    """The label the data platform gives a period's values: its own, its year's, or its start year."""
    if period.data_label:
        return period.data_label
    if period.parent_id is not None:
        parent = session.get(Period, period.parent_id)
        if parent is not None and parent.data_label:
            return parent.data_label
    return str(period.start.year)
