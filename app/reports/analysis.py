"""Quality analysis reports (质量分析报告): a department's year rolled up by level, the college's
by department. Generated from what was recorded, edited and reviewed as a one-stage cycle, and
written out with what the data shows, gaps included: a level or a department without data is
said to have none, not left out.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app import queries
from app.labels import LEVEL_LABELS
from app.models import Cycle, Deliverable, DeliverableVersion
from app.reports import charts, parts
from app.reports.document import Document, numbered
from app.services import rollup
from workflows import CLOSED, latest_definition

LEVELS = ("analysis", "college_analysis")
STAGE = "analyse"


def _labels() -> dict[str, str]:
    return {level: _(LEVEL_LABELS[level]) for level in rollup.LEVELS}


def rows_of(session, cycle: Cycle) -> list[rollup.Row]:
    if cycle.level == "college_analysis":
        return rollup.college(session, cycle.unit, cycle.period)
    return rollup.department(session, cycle.unit, cycle.period, _labels())


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def overview(cycle: Cycle, rows: list[rollup.Row]) -> str:
    """The generated opening paragraph; the gaps are said, not skipped."""
    parts = []
    for row in rows:
        if row.empty:
            parts.append(_("%(what)s: no diagnosis and improvement data this year.",
                           what=row.label))
            continue
        rate = (_("an achievement rate of %(rate)s%%", rate=_percent(row.rate))
                if row.rate is not None else _("no targets judged yet"))
        parts.append(_("%(what)s: %(cycles)d cycle(s), %(closed)d closed, %(rate)s, "
                       "%(warnings)d warning(s) (%(closed_warnings)d closed).",
                       what=row.label, cycles=row.cycles, closed=row.closed, rate=rate,
                       warnings=row.warnings, closed_warnings=row.warnings_closed))
    if all(row.empty for row in rows):
        return _("%(unit)s has no diagnosis and improvement data for %(year)s.",
                 unit=cycle.unit.name, year=cycle.period.name)
    return _("In %(year)s, %(unit)s: ", year=cycle.period.name, unit=cycle.unit.name) + \
        " ".join(parts)


def proposal(session, cycle: Cycle) -> dict:
    """What the report's form starts from: the generated overview and the roll-up table."""
    rows = rows_of(session, cycle)
    return {"overview": overview(cycle, rows),
            "results": [{"level": row.label, "cycles": str(row.cycles), "closed": str(row.closed),
                         "rate": _percent(row.rate), "warnings": str(row.warnings)}
                        for row in rows]}


def build(session, cycle: Cycle, deliverable: Deliverable | None,
          version: DeliverableVersion | None) -> Document:
    college = cycle.level == "college_analysis"
    doc = Document(_("%(unit)s %(year)s quality analysis report", unit=cycle.unit.name,
                     year=cycle.period.name))
    doc.subtitle.append(_("%(level)s · owner %(owner)s", level=_(cycle.definition.label),
                          owner=cycle.owner.name))
    trail = queries.stage_trail(session, cycle.id, STAGE)
    data = version.data if version else {}
    if version is not None:
        doc.subtitle.append(parts.version_line(deliverable, version, trail))
    rows = rows_of(session, cycle)
    n = 0

    def section(title: str) -> None:
        nonlocal n
        n += 1
        doc.heading(numbered(n, title))

    section(_("Overall situation"))
    doc.paragraph(data.get("overview") or overview(cycle, rows))
    if version is None:
        doc.paragraph(_("Not submitted yet: this is the roll-up Spiral generated from the data."),
                      muted=True)

    section(_("Departments") if college else _("Cycles by level"))
    results = data.get("results") or proposal(session, cycle)["results"]
    doc.table([_("Department") if college else _("Level"), _("Cycles"), _("Closed"),
               _("Achievement rate (percent)"), _("Warnings")],
              [[r.get("level"), r.get("cycles"), r.get("closed"), r.get("rate") or "—",
                r.get("warnings")] for r in results], widths_cm=[4, 2, 2, 3.5, 2])
    for row in rows:
        if row.empty:
            doc.paragraph(_("%(what)s: no diagnosis and improvement data this year.",
                            what=row.label), muted=True)
    if college:
        points = [(r.key, r.label, r.rate) for r in rows]
    else:
        points = [(name, name, rate) for r in rows for name, rate in r.subjects
                  if r.key == "major"]
    doc.picture(charts.rates_by_unit(points, _("Achievement of targets by unit")),
                _("Figure: achievement of targets by unit"))

    section(_("Warnings and rectification"))
    warnings, closed = sum(r.warnings for r in rows), sum(r.warnings_closed for r in rows)
    if warnings:
        doc.paragraph(_("%(n)d warning(s) this year, %(closed)d of them closed after "
                        "rectification.", n=warnings, closed=closed))
    else:
        doc.paragraph(_("No warnings this year."), muted=True)
    months, series = rollup.warnings_by_month(session, cycle.unit, cycle.period)
    doc.picture(charts.counts_over_time(months, {_("Red"): series["red"],
                                                 _("Yellow"): series["yellow"]},
                                        _("Warnings opened by month")),
                _("Figure: warnings opened by month"))

    section(_("Progress of the cycles"))
    progress = rollup.stage_progress(session, cycle.unit, cycle.period)
    if progress:
        major = latest_definition("major")
        order = [s.name for s in major.stages] + [CLOSED]
        labels = {s.name: _(s.label) for s in major.stages} | {CLOSED: _("Closed")}
        lines = [(_(LEVEL_LABELS[level]), [(labels.get(stage, stage), counts.get(stage, 0))
                                           for stage in order if counts.get(stage)])
                 for level, counts in progress.items()]
        doc.table([_("Level"), _("Stages")],
                  [[label, "、".join(f"{stage} {count}" for stage, count in stages)]
                   for label, stages in lines], widths_cm=[3, 12])
        doc.picture(charts.stage_bars(lines, _("Cycles by stage")),
                    _("Figure: cycles by stage"))
    else:
        doc.paragraph(_("No cycles this year."), muted=True)

    section(_("Achievements"))
    doc.paragraph(data.get("strengths") or _("Not stated."), muted=not data.get("strengths"))
    section(_("Problems and their causes"))
    doc.paragraph(data.get("problems") or _("Not stated."), muted=not data.get("problems"))
    section(_("Improvement measures"))
    if data.get("measures"):
        doc.table([_("Problem"), _("Measure"), _("Responsible person"), _("Deadline")],
                  [[r.get("problem"), r.get("measure"), r.get("owner"), r.get("deadline")]
                   for r in data["measures"]], widths_cm=[4, 6, 2.5, 2.5])
    else:
        doc.paragraph(_("No improvement measures recorded yet."), muted=True)
    section(_("Review opinions"))
    parts.review_trail(doc, trail)
    return doc

