"""Cycles: the list a person may see, and one cycle's spiral, deliverables and history."""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access, queries
from app.extensions import db
from app.cycles import bp
from app.exports import MAX_ROWS, xlsx_response
from app.i18n import local
from app.labels import LEVEL_LABELS
from app.models import Cycle, utcnow
from app.reports import analysis, annual, docx_writer, pdf, selfdiag
from app.services import indicators, targets, turns
from app.services.cycles import LEVELS, definition_for_level
from workflows import CLOSED
from workflows.compare import compare
from workflows.model import N_


def list_filters(args) -> dict:
    return {"level": args.get("level") or None, "unit_code": args.get("unit") or None,
            "stage": args.get("stage") or None, "overdue": args.get("overdue") == "1",
            "status": args.get("status") if args.get("status") in queries.CYCLE_STATUSES else None,
            "owner": (args.get("owner") or "").strip() or None,
            "sort": args.get("sort") if args.get("sort") in queries.CYCLE_SORTS else "unit"}


def filter_args(filters: dict) -> dict:
    """The filters as URL arguments, for the export link and the pages."""
    args = {"level": filters["level"], "unit": filters["unit_code"], "stage": filters["stage"],
            "overdue": "1" if filters["overdue"] else None, "status": filters["status"],
            "owner": filters["owner"], "sort": filters["sort"] if filters["sort"] != "unit" else None}
    return {k: v for k, v in args.items() if v}


def _filtered(page: int, per_page: int = 50):
    filters = list_filters(request.args)
    result = queries.visible_cycles(db.session, current_user, level=filters["level"],
                                    unit_code=filters["unit_code"], stage=filters["stage"],
                                    overdue_at=utcnow() if filters["overdue"] else None,
                                    page=page, per_page=per_page, status=filters["status"],
                                    owner=filters["owner"], sort=filters["sort"])
    return filters, result


@bp.route("/")
@login_required
def index():
    filters, page = _filtered(request.args.get("page", 1, type=int))
    return render_template("cycles/index.html", page=page, filters=filters,
                           filter_args=filter_args(filters),
                           statuses=queries.current_statuses(db.session, page.items),
                           units=queries.filter_units(db.session, current_user),
                           levels=LEVELS,
                           definition_stages=definition_for_level("major").stages)


STATUS_LABELS = {"filling": N_("Filling in"), "draft": N_("Filling in"),
                 "submitted": N_("Under review"), "returned": N_("Returned"),
                 "approved": N_("Approved"), "expired": N_("Not reviewed in time"),
                 "closed": N_("Closed")}

def stage_label(cycle: Cycle) -> str:
    return _("Closed") if cycle.stage == CLOSED else _(cycle.definition.stage(cycle.stage).label)


@bp.route("/export.xlsx")
@login_required
def export():
    """The cycle list, with the same filters, as an Excel workbook."""
    _filters, page = _filtered(1, per_page=MAX_ROWS)
    statuses = queries.current_statuses(db.session, page.items)
    rows = ([c.subject_name, _(LEVEL_LABELS.get(c.level, c.level)), c.unit.name, c.period.name,
             stage_label(c), _(STATUS_LABELS[statuses[c.id]]), c.round, c.owner.name,
             local(c.launched_at)] for c in page.items)
    headers = [_("Subject"), _("Level"), _("Unit"), _("Period"), _("Stage"), _("Status"),
               _("Round"), _("Owner"), _("Launched")]
    return xlsx_response(_("cycles") + f"-{local(utcnow(), '%Y%m%d')}.xlsx", _("Cycles"),
                         headers, rows)


def _viewable(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not access.can_view_cycle(current_user, cycle):
        abort(404)
    return cycle


@bp.route("/<int:cycle_id>/compare")
@login_required
def compare_versions(cycle_id):
    """Two versions of a stage's deliverable side by side (default: the last two)."""
    cycle = _viewable(cycle_id)
    deliverable = queries.cycle_deliverables(db.session, cycle.id).get(request.args.get("stage", ""))
    if deliverable is None or len(deliverable.versions) < 2:
        abort(404)
    by_number = {v.number: v for v in deliverable.versions}
    newest = deliverable.versions[-1].number
    old_n = request.args.get("a", newest - 1, type=int)
    new_n = request.args.get("b", newest, type=int)
    if old_n not in by_number or new_n not in by_number:
        abort(404)
    stage = cycle.definition.stage(deliverable.stage)
    old, new = by_number[old_n], by_number[new_n]
    return render_template("cycles/compare.html", cycle=cycle, stage=stage, old=old, new=new,
                           numbers=sorted(by_number),
                           rows=compare(stage.form, old.data, new.data))


def _by_stage(attachments) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.stage, []).append(attachment)
    return grouped


def _names(user_ids) -> dict[int, str]:
    return queries.names_of(db.session, user_ids)


def stage_states(cycle: Cycle) -> list[dict]:
    """Each stage of the definition with where this cycle stands relative to it."""
    definition = cycle.definition
    here = definition.position(cycle.stage)
    out = []
    for i, stage in enumerate(definition.stages):
        state = "done" if i < here else "current" if i == here else "todo"
        out.append({"stage": stage, "state": state})
    return out


@bp.route("/<int:cycle_id>")
@login_required
def show(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    tasks = queries.cycle_tasks(db.session, cycle.id)
    # A reviewer from outside the unit (人事处 for teachers' targets) sees the cycle they review.
    if not (access.can_view_cycle(current_user, cycle)
            or any(t.status == "open" and access.can_act_on(current_user, t) for t in tasks)):
        abort(404)
    history = queries.cycle_history(db.session, cycle.id)
    cycle_targets = targets.of_cycle(db.session, cycle)
    return render_template(
        "cycles/show.html", cycle=cycle, definition=cycle.definition,
        stages=stage_states(cycle), closed=cycle.stage == CLOSED,
        deliverables=queries.cycle_deliverables(db.session, cycle.id),
        open_tasks=[t for t in tasks if t.status == "open"],
        my_task_ids={t.id for t in tasks if t.status == "open" and access.can_act_on(current_user, t)},
        history=history, behalf=_names({(e.data or {}).get("on_behalf_of") for e in history}),
        evidence=_by_stage(queries.attachments_of(db.session, cycle.id)),
        achievements=targets.achievements(db.session, cycle_targets),
        indicator_names={i.code: i for i in indicators.current(db.session, active_only=False)},
        unit_warnings=queries.unit_warnings(db.session, cycle),
        turns=turns.chain(db.session, cycle),
        carried=turns.open_items(db.session, cycle),
        report_stage=report_kind(cycle)[0], report_name=report_kind(cycle)[2],
        now=utcnow())


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_kind(cycle: Cycle):
    """Which report a cycle exports, from which stage, built how: (stage name, builder, name)."""
    if cycle.level in analysis.LEVELS:
        return analysis.STAGE, analysis.build, _("quality analysis report")
    if cycle.level == annual.LEVEL:
        return annual.STAGE, annual.build, _("annual quality report")
    if cycle.level == "annual_part":  # a part is read in the whole report, not on its own
        return None, None, None
    stage = selfdiag.diagnosis_stage(cycle)
    return (stage.name if stage else None), selfdiag.build, _("self-diagnosis report")


def _report(cycle_id: int):
    """The cycle's report, built from the version asked for (default: the newest)."""
    cycle = _viewable(cycle_id)
    stage_name, build, kind = report_kind(cycle)
    if build is None:
        abort(404)
    deliverable = queries.cycle_deliverables(db.session, cycle.id).get(stage_name)
    version = None
    if deliverable is not None and deliverable.versions:
        asked = request.args.get("version")
        wanted = deliverable.versions[-1].number if asked is None else \
            (int(asked) if asked.isdigit() and len(asked) < 10 else None)
        version = next((v for v in deliverable.versions if v.number == wanted), None)
        if version is None:
            abort(404)
    elif request.args.get("version"):
        abort(404)
    document = build(db.session, cycle, deliverable, version)
    name = f"{cycle.subject_name}-{cycle.period.name}-{kind}"
    return document, name + (f"-v{version.number}" if version else "")


@bp.route("/<int:cycle_id>/report.docx")
@login_required
def report_docx(cycle_id):
    """The self-diagnosis report (自我诊断报告) as a Word file."""
    document, name = _report(cycle_id)
    return send_file(io.BytesIO(docx_writer.to_docx(document)), as_attachment=True,
                     download_name=f"{name}.docx", mimetype=DOCX)


@bp.route("/<int:cycle_id>/report.pdf")
@login_required
def report_pdf(cycle_id):
    """The same report as PDF, when the server has LibreOffice to make it."""
    document, name = _report(cycle_id)
    try:
        data = pdf.to_pdf(docx_writer.to_docx(document))
    except pdf.PdfUnavailable:
        flash(_("PDF export needs LibreOffice on the server; download the Word file instead."),
              "error")
        return redirect(url_for("cycles.show", cycle_id=cycle_id)), 303
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{name}.pdf",
                     mimetype="application/pdf")
