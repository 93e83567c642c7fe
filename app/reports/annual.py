"""The annual quality report (质量年报) as Word and its tables as Excel: the preface and summary
the quality office wrote, each office's chapter, the standard tables with this year's and last
year's values and where each came from; every missing value or chapter says who still owes it.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app import queries
from app.exports import xlsx_sheets
from app.models import AnnualReport, Cycle, Deliverable, DeliverableVersion, OrgUnit, Period
from app.reports import charts, parts
from app.reports.document import Document, numbered
from app.services import annual, rollup

LEVEL, STAGE = "annual", "compile"


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _source(value: annual.Value) -> str:
    if value.field.indicator:
        return (_("Status data (%(code)s)", code=value.field.indicator)
                if value.state == "from_data"
                else _("Status data (%(code)s): no value yet", code=value.field.indicator))
    return {"approved": _("%(who)s, reviewed", who=value.who),
            "submitted": _("%(who)s, awaiting review", who=value.who),
            "missing": _("%(who)s: not yet given", who=value.who or value.field.office)
            }[value.state]


def table_rows(values: list[annual.Value], numbers: bool = False) -> dict[str, list[list]]:
    """The rows of each table: field, unit, last year, this year, source. With `numbers`, the
    values stay numbers (for a spreadsheet) and a missing one is an empty cell."""
    def shown(value: Decimal | None):
        if numbers:
            return "" if value is None else (int(value) if value == int(value) else float(value))
        return _plain(value)

    out: dict[str, list[list]] = {}
    for value in values:
        out.setdefault(value.field.table, []).append(
            [value.field.name, value.field.unit, shown(value.previous), shown(value.current),
             _source(value)])
    return out


def headers() -> list[str]:
    return [_("Field"), _("Unit of measure"), _("Last year"), _("This year"), _("Source")]


def tables_xlsx(session, report: AnnualReport, year: Period) -> bytes:
    """The standard tables alone, a sheet each, as the province's platform asks for them."""
    rows = table_rows(annual.values(session, report, year), numbers=True)
    return xlsx_sheets([(name, headers(), table) for name, table in rows.items()])


def build(session, cycle: Cycle, deliverable: Deliverable | None,
          version: DeliverableVersion | None) -> Document:
    year = cycle.period
    report = annual.ensure(session, None, year)
    doc = Document(_("%(college)s %(year)s annual quality report of higher vocational education",
                     college=cycle.unit.name, year=year.name))
    trail = queries.stage_trail(session, cycle.id, STAGE)
    data = version.data if version else {}
    if version is not None:
        doc.subtitle.append(parts.version_line(deliverable, version, trail))
    else:
        doc.subtitle.append(_("Draft compiled by Spiral; the preface and summary are not "
                              "written yet."))

    doc.heading(_("Preface"))
    doc.paragraph(data.get("preface") or _("Not stated."), muted=not data.get("preface"))

    for n, (chapter, text, state, who) in enumerate(
            annual.chapter_texts(session, report, year), start=1):
        doc.heading(numbered(n, chapter["title"]))
        if state == "missing":
            doc.paragraph(_("%(who)s has not written this chapter yet.", who=who), muted=True)
            continue
        doc.paragraph(text)
        if state == "submitted":
            doc.paragraph(_("(Written by %(who)s; awaiting the quality office's review.)",
                            who=who), muted=True)
    root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
    rows = rollup.college(session, root, year)
    doc.picture(charts.rates_by_unit([(r.key, r.label, r.rate) for r in rows],
                                     _("Achievement of targets by unit")),
                _("Figure: achievement of targets by department"))

    doc.heading(_("Closing summary"))
    doc.paragraph(data.get("summary") or _("Not stated."), muted=not data.get("summary"))

    values = annual.values(session, report, year)
    missing = [v for v in values if v.state == "missing"]
    doc.heading(_("Tables"))
    if missing:
        doc.paragraph(_("%(n)d of %(total)d values are still missing; each says who owes it.",
                        n=len(missing), total=len(values)), muted=True)
    for n, (name, table) in enumerate(table_rows(values).items(), start=1):
        doc.heading(_("Table %(n)d %(name)s", n=n, name=name), level=2)
        doc.table(headers(), table, widths_cm=[5.5, 1.8, 2, 2, 4])

    doc.heading(_("Review opinions"))
    parts.review_trail(doc, trail)
    return doc
