"""The self-diagnosis report (自我诊断报告) of one cycle, built from one submitted version of its
diagnosis stage and what the cycle recorded around it: the targets against the data, the
catalogue's points, the last turn's measures and how they were carried out, the review trail.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app import queries
from app.models import Cycle, Deliverable, DeliverableVersion
from app.reports import charts, parts
from app.reports.document import Document, numbered
from app.services import catalog, turns
from workflows.model import Stage

ACHIEVEMENTS, DIAGNOSIS, FOLLOW_UP = "achievements", "diagnosis", "follow_up"
#: The fields a section of its own reads; the rest of the stage's form goes under 其他.
OWN_SECTIONS = {ACHIEVEMENTS, DIAGNOSIS, FOLLOW_UP, "strengths", "problems"}


def diagnosis_stage(cycle: Cycle) -> Stage | None:
    """The stage whose deliverable is the self-diagnosis: the one with the achievements table."""
    return next((s for s in cycle.definition.stages
                 if any(f.name == ACHIEVEMENTS for f in s.form)), None)


def _choice(stage: Stage, field: str, column: str, value) -> str:
    for f in stage.form:
        if f.name == field:
            for c in f.columns:
                if c.name == column:
                    return next((_(label) for v, label in c.choices if v == value), value or "—")
    return value or "—"


def build(session, cycle: Cycle, deliverable: Deliverable | None,
          version: DeliverableVersion | None) -> Document:
    stage = diagnosis_stage(cycle)
    doc = Document(_("%(subject)s %(period)s self-diagnosis report", subject=cycle.subject_name,
                     period=cycle.period.name))
    doc.subtitle.append(_("%(level)s · owner %(owner)s", level=_(cycle.definition.label),
                          owner=cycle.owner.name))
    trail = queries.stage_trail(session, cycle.id, stage.name) if stage else []
    data = version.data if version else {}
    if version is not None:
        doc.subtitle.append(parts.version_line(deliverable, version, trail))
    n = 0

    def section(title: str) -> None:
        nonlocal n
        n += 1
        doc.heading(numbered(n, title))

    section(_("Overview"))
    subject = cycle.subject_name if cycle.subject_name == cycle.unit.name \
        else f"{cycle.subject_name}（{cycle.unit.name}）"
    doc.paragraph(_("The %(period)s diagnosis and improvement cycle of %(subject)s, run on "
                    "%(definition)s version %(version)d, is at the stage %(stage)s.",
                    period=cycle.period.name, subject=subject,
                    definition=_(cycle.definition.label), version=cycle.definition_version,
                    stage=_("Closed") if cycle.stage == "closed"
                    else _(cycle.definition.stage(cycle.stage).label)))
    if version is None:
        doc.paragraph(_("The diagnosis stage has not been submitted yet; this report shows what "
                        "the cycle has recorded so far."), muted=True)

    section(_("Follow-up of the last turn's improvement measures"))
    rows = data.get(FOLLOW_UP) or []
    carried = turns.open_items(session, cycle)
    if rows:
        doc.table([_("Measure"), _("Carried out"), _("How, and the evidence")],
                  [[r.get("measure"), _choice(stage, FOLLOW_UP, "status", r.get("status")),
                    r.get("evidence") or "—"] for r in rows], widths_cm=[6, 2.5, 6.5])
    elif carried:  # not reported on yet: the measures still to follow up, as they stand
        doc.table([_("Measure"), _("Responsible person"), _("Deadline"), _("Carried out")],
                  [[m.measure, m.owner, m.deadline or "", _choice(
                      stage, FOLLOW_UP, "status", m.status) if m.status != "open"
                    else _("To follow up")] for m in carried], widths_cm=[7, 2.5, 2.5, 3])
    elif cycle.previous_id is None:
        doc.paragraph(_("This is the subject's first turn: there are no earlier measures to "
                        "follow up."), muted=True)
    else:
        doc.paragraph(_("The last turn left no improvement measures to follow up."), muted=True)

    section(_("Achievement of targets"))
    rows = data.get(ACHIEVEMENTS) or []
    if rows:
        judged = [r for r in rows if r.get("met") in ("yes", "no")]
        met = sum(1 for r in judged if r["met"] == "yes")
        doc.paragraph(_("%(n)d target(s) reported, %(met)d met: an achievement rate of "
                        "%(rate).1f%%.", n=len(judged), met=met,
                        rate=100 * met / len(judged) if judged else 0))
        doc.table([_("Indicator"), _("Target value"), _("Actual value"), _("Met?"), _("Cause")],
                  [[r.get("indicator"), r.get("target"), r.get("actual"),
                    _choice(stage, ACHIEVEMENTS, "met", r.get("met")), r.get("cause") or ""]
                   for r in rows], widths_cm=[5, 2, 2, 2, 4])
        doc.picture(charts.achievement_bars(
            [(str(r.get("indicator") or "").split()[0] if r.get("indicator") else "",
              " ".join(str(r.get("indicator") or "").split()[1:]), _float(r.get("target")),
              _float(r.get("actual")), r.get("met") == "yes") for r in rows],
            _("Targets and what was achieved"),
            (_("Target value"), _("Actual, met"), _("Actual, missed"))),
            _("Figure: targets and what was achieved"))
    else:
        doc.paragraph(_("No achievement of targets has been reported yet."), muted=True)

    section(_("Diagnosis points"))
    _diagnosis(doc, session, stage, data.get(DIAGNOSIS) or [])

    section(_("Achievements"))
    doc.paragraph(data.get("strengths") or _("Not stated."), muted=not data.get("strengths"))

    section(_("Problems and their causes"))
    doc.paragraph(data.get("problems") or _("Not stated."), muted=not data.get("problems"))
    for r in rows:
        if r.get("met") == "no" and r.get("cause"):
            doc.paragraph(f"{r.get('indicator')}：{r['cause']}")

    section(_("Improvement measures"))
    missed = [r for r in rows if r.get("met") == "no"]
    plan = turns.latest_rows(session, cycle, "measures")
    if missed:
        doc.table([_("Target not met"), _("Improvement measure")],
                  [[r.get("indicator"), r.get("measure") or "—"] for r in missed],
                  widths_cm=[5, 10])
    if plan:
        doc.paragraph(_("The improvement plan (改进方案) of the improve stage:"))
        doc.table([_("Problem"), _("Measure"), _("Responsible person"), _("Deadline")],
                  [[r.get("problem"), r.get("measure"), r.get("owner") or "", r.get("deadline")]
                   for r in plan], widths_cm=[4, 6, 2.5, 2.5])
    if not missed and not plan:
        doc.paragraph(_("No improvement measures recorded yet."), muted=True)

    others = [f for f in (stage.form if stage else ()) if f.name not in OWN_SECTIONS]
    if others and any(data.get(f.name) not in (None, "", []) for f in others):
        section(_("Other"))
        for f in others:
            value = data.get(f.name)
            if f.type == "table":
                if value:
                    doc.paragraph(_(f.label))
                    doc.table([_(c.label) for c in f.columns],
                              [[row.get(c.name) for c in f.columns] for row in value])
            elif value not in (None, ""):
                doc.paragraph(f"{_(f.label)}：{value}")

    section(_("Review opinions"))
    parts.review_trail(doc, trail)
    return doc


def _diagnosis(doc: Document, session, stage: Stage | None, rows: list[dict]) -> None:
    if not rows:
        doc.paragraph(_("No diagnosis points answered yet."), muted=True)
        return
    book = catalog.current(session)
    known = {p.no: p for p in catalog.points(book.data if book else None)}
    groups: dict[str, list] = {}
    for row in rows:
        number = str(row.get("point") or "").split()[0]
        point = known.get(number)
        key = f"{point.item_no} {point.item}" if point else _("Other points")
        groups.setdefault(key, []).append(row)
    for i, (title, group) in enumerate(groups.items(), start=1):
        doc.heading(numbered(i, title, level=2), level=2)
        doc.table([_("Diagnosis point"), _("Self-assessment"), _("Findings and evidence")],
                  [[r.get("point"), _choice(stage, DIAGNOSIS, "rating", r.get("rating")),
                    r.get("finding") or ""] for r in group], widths_cm=[5, 2.5, 7.5])


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
