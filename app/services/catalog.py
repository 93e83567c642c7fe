"""The diagnosis catalogue (诊断项目 → 诊断要素 → 诊断点): what a self-diagnosis answers.

Kept as numbered versions of plain data: the quality office exports it to Excel, edits it and
imports it again, which adds a version; a report names the version it was written against.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.exports import xlsx_bytes
from app.models import AuditEvent, DiagnosisCatalog, User, utcnow
from app.services.errors import Invalid
from app.services.measurements import read_table, sheet_header
from workflows.forms import bad_characters
from workflows.model import N_

LEVELS = ("school", "major", "course", "teacher", "student")
#: The spreadsheet's columns, with the Chinese headings people see.
SHEET = (("item_no", "项目编号"), ("item", "诊断项目"), ("element_no", "要素编号"),
         ("element", "诊断要素"), ("point", "诊断点"), ("levels", "适用层面"))
LEVEL_NAMES = {"school": "学校", "major": "专业", "course": "课程", "teacher": "教师",
               "student": "学生"}


@dataclass(frozen=True)
class Point:
    """One 诊断点 with where it sits: "2.1.1", 专业质量保证 › 专业建设规划 › 规划制定与产业对接."""

    no: str
    item_no: str
    item: str
    element_no: str
    element: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.no} {self.name}"


def seed(session, path: Path) -> bool:
    """Load the default catalogue as version 1 when there is none yet."""
    if session.scalar(select(DiagnosisCatalog.id).limit(1)) is not None:
        return False
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    session.add(DiagnosisCatalog(version=1, data={"items": data["items"]},
                                 note="默认诊断项目参考表"))
    session.commit()
    return True


def current(session) -> DiagnosisCatalog | None:
    return session.scalars(select(DiagnosisCatalog)
                           .order_by(DiagnosisCatalog.version.desc()).limit(1)).first()


def versions(session) -> list[DiagnosisCatalog]:
    return list(session.scalars(select(DiagnosisCatalog).order_by(DiagnosisCatalog.version)))


def points(data: dict | None, level: str | None = None) -> list[Point]:
    """The catalogue's points in order; with `level`, only those that level answers."""
    out = []
    for item in (data or {}).get("items", []):
        for element in item.get("elements", []):
            levels = element.get("levels") or item.get("levels") or list(LEVELS)
            if level is not None and level not in levels:
                continue
            for n, name in enumerate(element.get("points", []), start=1):
                out.append(Point(f"{element['code']}.{n}", str(item["code"]), item["name"],
                                 str(element["code"]), element["name"], name))
    return out


def export_xlsx(session) -> bytes:
    catalog = current(session)
    rows = []
    for item in (catalog.data if catalog else {}).get("items", []):
        for element in item.get("elements", []):
            levels = element.get("levels") or item.get("levels") or list(LEVELS)
            for name in element.get("points", []):
                rows.append([str(item["code"]), item["name"], str(element["code"]), element["name"],
                             name, "、".join(LEVEL_NAMES[lv] for lv in levels)])
    return xlsx_bytes("诊断项目参考表", [heading for _key, heading in SHEET], rows)


def import_table(session, actor: User, filename: str, data: bytes, note: str = "",
                 now: dt.datetime | None = None) -> tuple[DiagnosisCatalog | None, list]:
    """Read an edited workbook; every bad row is reported and nothing changes, or the whole
    sheet becomes the next version. Returns (the new version or None if unchanged, errors)."""
    now = now or utcnow()
    table = read_table(filename, data)
    start, at = sheet_header(table, SHEET)
    by_name = {name: code for code, name in LEVEL_NAMES.items()} | {c: c for c in LEVELS}
    items: dict[str, dict] = {}
    errors = []
    for number, cells in enumerate(table[start + 1:], start=start + 2):
        if not any(cells):
            continue
        row = {key: (cells[i].strip() if i < len(cells) else "") for key, i in at.items()}
        missing = [h for k, h in SHEET if k != "levels" and not row[k]]
        if any(bad_characters(text) for text in row.values()):
            errors.append((number, N_("The text contains characters that cannot be stored."),
                           {}))
            continue
        if missing:
            errors.append((number, N_("%(columns)s missing."), {"columns": "、".join(missing)}))
            continue
        levels = [by_name.get(part.strip()) for part in
                  row["levels"].replace("，", "、").replace(",", "、").split("、") if part.strip()]
        if None in levels:
            errors.append((number, N_("Levels are 学校, 专业, 课程, 教师 and 学生."), {}))
            continue
        if not row["element_no"].startswith(row["item_no"] + "."):
            errors.append((number, N_("Element %(element)s does not belong to item %(item)s."),
                           {"element": row["element_no"], "item": row["item_no"]}))
            continue
        item = items.setdefault(row["item_no"], {"code": row["item_no"], "name": row["item"],
                                                 "elements": []})
        element = next((e for e in item["elements"] if e["code"] == row["element_no"]), None)
        if element is None:
            element = {"code": row["element_no"], "name": row["element"], "points": [],
                       "levels": levels or list(LEVELS)}
            item["elements"].append(element)
        element["points"].append(row["point"])
    if errors:
        return None, errors
    if not items:
        raise Invalid(N_("The file is empty."))
    data_out = {"items": list(items.values())}
    latest = current(session)
    if latest is not None and points(latest.data) == points(data_out) and all(
            _levels(latest.data, p) == _levels(data_out, p) for p in points(data_out)):
        return None, []
    version = (session.scalar(select(func.max(DiagnosisCatalog.version))) or 0) + 1
    catalog = DiagnosisCatalog(version=version, data=data_out, note=note[:200],
                               created_by_id=actor.id, created_at=now)
    session.add(catalog)
    session.add(AuditEvent(action="catalog_version", actor_id=actor.id, at=now,
                           data={"version": version, "points": len(points(data_out))}))
    session.commit()
    return catalog, []


def _levels(data: dict, point: Point) -> list[str]:
    for item in data["items"]:
        for element in item.get("elements", []):
            if str(element["code"]) == point.element_no:
                return sorted(element.get("levels") or item.get("levels") or LEVELS)
    return []
