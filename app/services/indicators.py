"""The indicator library (质控点库): new indicators, new versions of their lines, Excel in and out.

Changing an indicator's lines never rewrites history: it adds a version that applies from a data
period on (`from_label`), and only the values of that period and later are judged again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update

from app.exports import xlsx_bytes
from app.models import AuditEvent, Indicator, Measurement, User, utcnow
from app.services.errors import Invalid
from app.services.measurements import IndicatorLines, read_table
from workflows.indicators import OPERATORS
from workflows.model import N_

LEVELS = ("school", "major", "course", "teacher", "student")
DATA_TYPES = ("number", "boolean")
#: The library's spreadsheet: its columns in order, with the Chinese headings users see.
SHEET_COLUMNS = (("code", "指标代码"), ("level", "层面"), ("name", "指标名称"),
                 ("unit_label", "计量单位"), ("data_type", "数据类型"), ("operator", "比较方式"),
                 ("target", "目标值"), ("warn", "预警值"), ("severe", "严重预警值"),
                 ("from_label", "起用年度"), ("note", "说明"))
#: What people type in Excel for a rule ("==" alone would start a formula there).
OPERATOR_ALIASES = {"=": "==", "≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "＝": "=="}
LINES = ("operator", "target", "warn", "severe", "data_type")


@dataclass
class Lines:
    """What a person may set on an indicator; `check()` says in words what is wrong."""

    name: str
    unit_label: str
    data_type: str
    operator: str
    target: Decimal
    warn: Decimal
    severe: Decimal
    from_label: str = ""
    note: str | None = None

    def check(self) -> None:
        if not self.name.strip():
            raise Invalid(N_("The indicator needs a name."))
        if self.operator not in OPERATORS:
            raise Invalid(N_("The rule must be one of %(operators)s."),
                          operators=" ".join(OPERATORS))
        if self.data_type not in DATA_TYPES:
            raise Invalid(N_("The data type must be number or boolean."))
        for value in (self.target, self.warn, self.severe):
            if not Decimal(value).is_finite() or abs(Decimal(value)) >= Decimal(10) ** 10:
                raise Invalid(N_("A line must be a number below 10 billion."))
        if self.data_type == "boolean" and {self.target, self.warn, self.severe} - {0, 1}:
            raise Invalid(N_("A yes/no indicator takes only 1 (yes) and 0 (no) as its values."))
        higher = self.operator in (">=", ">")
        lower = self.operator in ("<=", "<")
        if higher and not self.severe <= self.warn <= self.target:
            raise Invalid(N_("Where higher is better the values must fall: target ≥ warning ≥ "
                             "severe."))
        if lower and not self.severe >= self.warn >= self.target:
            raise Invalid(N_("Where lower is better the values must rise: target ≤ warning ≤ "
                             "severe."))


def current(session, level: str | None = None, active_only: bool = True) -> list[Indicator]:
    """The newest version of each indicator code (of a level), in code order."""
    newest = (select(Indicator.code, func.max(Indicator.version).label("version"))
              .group_by(Indicator.code).subquery())
    query = select(Indicator).join(newest, (Indicator.code == newest.c.code)
                                   & (Indicator.version == newest.c.version))
    if level:
        query = query.where(Indicator.level == level)
    if active_only:
        query = query.where(Indicator.active.is_(True))
    return list(session.scalars(query.order_by(Indicator.level, Indicator.code)))


def history(session, code: str) -> list[Indicator]:
    return list(session.scalars(select(Indicator).where(Indicator.code == code)
                                .order_by(Indicator.version)))


def create(session, actor: User, code: str, level: str, lines: Lines,
           now: dt.datetime | None = None) -> Indicator:
    code = code.strip().upper()
    _check_new(code, level)
    lines.check()
    if session.scalar(select(func.count()).select_from(Indicator).where(Indicator.code == code)):
        raise Invalid(N_("The code %(code)s is taken."), code=code)
    indicator = Indicator(code=code, version=1, level=level, **_values(lines),
                          created_at=now or utcnow())
    session.add(indicator)
    session.add(AuditEvent(action="indicator_created", actor_id=actor.id, at=now or utcnow(),
                           data={"code": code, "version": 1}))
    session.commit()
    return indicator


def revise(session, actor: User, code: str, lines: Lines, now: dt.datetime | None = None
           ) -> Indicator | None:
    """Save a changed indicator as its next version; None when nothing changed.

    Values of `lines.from_label` and later are judged again by the new lines; earlier values
    keep the status their own version gave them.
    """
    now = now or utcnow()
    lines.check()
    versions = history(session, code)
    if not versions:
        raise Invalid(N_("Unknown indicator %(code)s."), code=code)
    latest = versions[-1]
    if lines.from_label < latest.from_label:
        raise Invalid(N_("The new lines cannot start before the current ones (%(label)s)."),
                      label=latest.from_label or "—")
    if all(getattr(latest, k) == v for k, v in _values(lines).items()):
        return None
    revised = Indicator(code=code, version=latest.version + 1, level=latest.level,
                        active=latest.active, created_at=now, **_values(lines))
    session.add(revised)
    session.flush()
    rejudged = rejudge(session, code, lines.from_label)
    session.add(AuditEvent(action="indicator_revised", actor_id=actor.id, at=now,
                           data={"code": code, "version": revised.version,
                                 "from": lines.from_label, "rejudged": rejudged,
                                 "before": {k: str(getattr(latest, k)) for k in LINES},
                                 "after": {k: str(getattr(revised, k)) for k in LINES}}))
    session.commit()
    return revised


def set_active(session, actor: User, code: str, active: bool) -> None:
    """Retire an indicator (no new values are accepted for it) or bring it back."""
    changed = session.execute(update(Indicator).where(Indicator.code == code)
                              .values(active=active)).rowcount
    if not changed:
        raise Invalid(N_("Unknown indicator %(code)s."), code=code)
    session.add(AuditEvent(action="indicator_retired" if not active else "indicator_restored",
                           actor_id=actor.id, data={"code": code}))
    session.commit()


def rejudge(session, code: str, from_label: str) -> int:
    """Judge again the stored values of `code` from `from_label` on; how many changed status."""
    lines = IndicatorLines(session)
    changed = 0
    for measurement in session.scalars(select(Measurement).where(
            Measurement.indicator_code == code, Measurement.period_label >= from_label)):
        status = lines.judge(code, measurement.period_label, measurement.value)
        if status != measurement.status:
            measurement.status = status
            changed += 1
    return changed


def _check_new(code: str, level: str) -> None:
    if not code or len(code) > 16 or not code.isascii() or not code.isalnum():
        raise Invalid(N_("The code must be letters and digits, at most 16."))
    if level not in LEVELS:
        raise Invalid(N_("Unknown level %(level)s."), level=level or "—")


def _values(lines: Lines) -> dict:
    return {"name": lines.name.strip()[:100], "unit_label": lines.unit_label.strip()[:16],
            "data_type": lines.data_type, "operator": lines.operator, "target": lines.target,
            "warn": lines.warn, "severe": lines.severe, "from_label": lines.from_label.strip(),
            "note": (lines.note or "").strip() or None}


# --- Excel ---------------------------------------------------------------------------------

def export_xlsx(session) -> bytes:
    """The library's current lines as a workbook that `import_table` reads back."""
    return xlsx_bytes("指标库", [label for _name, label in SHEET_COLUMNS], (
        [i.code, i.level, i.name, i.unit_label, i.data_type, i.operator, float(i.target),
         float(i.warn), float(i.severe), i.from_label, i.note or ""]
        for i in current(session, active_only=False)))


@dataclass
class SheetResult:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[int, str, dict]] = field(default_factory=list)  # row, message, params


def import_table(session, actor: User, filename: str, data: bytes,
                 now: dt.datetime | None = None) -> SheetResult:
    """New codes are created and changed lines become new versions; any bad row stops it all."""
    now = now or utcnow()
    table = read_table(filename, data)
    headings = {label: name for name, label in SHEET_COLUMNS} | {n: n for n, _l in SHEET_COLUMNS}
    start = next((i for i, row in enumerate(table[:10]) if any(row)), None)
    if start is None:
        raise Invalid(N_("The file is empty."))
    at = {headings[c.strip()]: i for i, c in enumerate(table[start]) if c.strip() in headings}
    missing = [label for name, label in SHEET_COLUMNS if name not in at and name != "note"]
    if missing:
        raise Invalid(N_("The header row lacks the column(s) %(columns)s."),
                      columns=", ".join(missing))
    known = {i.code: i for i in current(session, active_only=False)}
    result, plans, seen = SheetResult(), [], set()
    for number, cells in enumerate(table[start + 1:], start=start + 2):
        if not any(cells):
            continue
        cell = {name: (cells[i].strip() if i < len(cells) else "") for name, i in at.items()}
        code = cell["code"].upper()
        try:
            if code in seen:
                raise Invalid(N_("The code %(code)s appears twice."), code=code)
            seen.add(code)
            lines = Lines(name=cell["name"], unit_label=cell["unit_label"],
                          data_type=cell["data_type"] or "number",
                          operator=OPERATOR_ALIASES.get(cell["operator"], cell["operator"]),
                          target=_number(cell["target"]), warn=_number(cell["warn"]),
                          severe=_number(cell["severe"]), from_label=cell["from_label"],
                          note=cell.get("note"))
            lines.check()
            if code not in known:
                _check_new(code, cell["level"])
            elif lines.from_label < known[code].from_label:
                raise Invalid(N_("The new lines cannot start before the current ones "
                                 "(%(label)s)."), label=known[code].from_label or "—")
        except Invalid as exc:
            result.errors.append((number, exc.message, exc.params))
            continue
        plans.append((code, cell["level"], lines))
    if result.errors:
        return result
    for code, level, lines in plans:
        if code not in known:
            create(session, actor, code, level, lines, now)
            result.created.append(code)
        elif revise(session, actor, code, lines, now) is not None:
            result.revised.append(code)
        else:
            result.unchanged += 1
    return result


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.rstrip("%％").strip())
        if not value.is_finite():
            raise InvalidOperation
        return value
    except InvalidOperation:
        raise Invalid(N_("%(value)s is not a number."), value=text or "—") from None
