"""The quality office's dashboard: units × stages, overdue items, launching cycles."""
import datetime as dt
from urllib.parse import quote, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import access, queries
from app.bulk_page import bulk_result
from app.dashboard import bp
from app.dashboard.forms import LaunchForm
from app.exports import MAX_ROWS, xlsx_response
from app.extensions import db
from app.i18n import local, translate
from app.models import Period, utcnow
from app.services import bulk, indicators, plans
from app.services.cycles import LEVELS, definition_for_level, launch_cycles, plan_launch
from workflows import Refused


def _launch_form(**kwargs) -> LaunchForm:
    form = LaunchForm(**kwargs)
    form.level.choices = [SelectChoice(level, _(definition_for_level(level).label))
                          for level in LEVELS]
    form.period.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        select(Period).order_by(Period.kind.desc(), Period.start))]  # years, then terms in order
    return form


@bp.before_request
@login_required
def _only_supervisors():
    if not access.can_see_dashboard(current_user):
        abort(403)


@bp.route("/")
def index():
    now = utcnow()
    level = request.args.get("level", "major")
    if level not in LEVELS:
        abort(404)
    parents, counts = queries.stage_matrix(db.session, current_user, level)
    definition = definition_for_level(level)
    summary = queries.open_task_summary(db.session, current_user, now)
    overdue = queries.overdue_tasks(db.session, current_user, now,
                                    request.args.get("page", 1, type=int), per_page=20,
                                    total=summary["overdue"])
    stage_names = definition.stage_names
    totals = {s: sum(n for (_, st), n in counts.items() if st == s) for s in stage_names}
    # The matrix's cells, each with its link to the filtered cycle list, made here: a large
    # college has hundreds of them, and url_for per cell would cost more than the query.
    cycles_url = url_for("cycles.index")
    stages = [(s, quote(s)) for s in stage_names]
    matrix = []
    for parent in parents:
        row_url = f"{cycles_url}?{urlencode({'level': level, 'unit': parent.code})}&stage="
        matrix.append((parent.name, [(n, row_url + q if n else None) for s, q in stages
                                     for n in [counts.get((parent.id, s), 0)]]))
    light_period, lights = queries.light_counts(
        db.session, current_user, [i.code for i in indicators.current(db.session, level)])
    return render_template("dashboard/index.html", matrix=matrix,
                           summary=summary,
                           warnings=queries.warning_summary(db.session, current_user, now),
                           pending_targets=queries.pending_targets(db.session, current_user),
                           lights=lights, light_period=light_period,
                           definition=definition, stage_names=stage_names, totals=totals,
                           level=level, levels=LEVELS,
                           overdue=overdue, now=now,
                           launch_form=_launch_form() if access.can_launch(current_user) else None,
                           planned=plans.upcoming(db.session) if access.can_launch(current_user)
                           else [])


@bp.route("/overdue")
def overdue():
    """Every overdue task the user may see, filtered and sorted, to urge or reassign."""
    now = utcnow()
    filters = queries.TaskFilters.from_args(request.args)
    page = queries.overdue_tasks(db.session, current_user, now,
                                 request.args.get("page", 1, type=int), filters=filters)
    return render_template("dashboard/overdue.html", overdue=page, filters=filters, now=now,
                           levels=LEVELS, stages=definition_for_level("major").stages,
                           units=queries.filter_units(db.session, current_user))


@bp.route("/overdue.xlsx")
def export_overdue():
    """The overdue list, with the filters shown, as an Excel workbook."""
    now = utcnow()
    tiers = [_("Assignee"), _("Unit leader"), _("Quality office")]
    page = queries.overdue_tasks(db.session, current_user, now, per_page=MAX_ROWS,
                                 filters=queries.TaskFilters.from_args(request.args))
    rows = ([t.cycle.subject_name, t.cycle.unit.name, _(t.cycle.definition.stage(t.stage).label),
             _("Fill in") if t.kind == "fill" else _("Review"),
             t.assignee.name if t.assignee else t.candidate_unit.name, local(t.due_at),
             t.days_overdue(now), tiers[t.escalation_tier]] for t in page.items)
    headers = [_("Subject"), _("Unit"), _("Stage"), _("Task"), _("Who"), _("Due"),
               _("Days overdue"), _("Escalation")]
    return xlsx_response(_("overdue") + f"-{local(now, '%Y%m%d')}.xlsx", _("Overdue"),
                         headers, rows)


@bp.route("/urge", methods=["POST"])
def urge():
    """Urge (催办) the people on the ticked overdue tasks, with a message."""
    return bulk_result(_("Urge"), lambda: bulk.urge_many(
        db.session, request.form.getlist("task_ids"), current_user,
        request.form.get("message", "")), url_for("dashboard.index"))


@bp.route("/reassign", methods=["POST"])
def reassign():
    """Hand the ticked tasks to one person (改派), with a reason."""
    return bulk_result(_("Reassign"), lambda: bulk.reassign_many(
        db.session, request.form.getlist("task_ids"), current_user, request.form.get("to"),
        request.form.get("message")), url_for("dashboard.index"))


@bp.route("/launch/preview")
def launch_preview():
    """Before launching: how many cycles, for which subjects, who owns them, which exist."""
    if not access.can_launch(current_user):
        abort(403)
    # A GET that changes nothing: no CSRF token to check (the confirming POST has one).
    form = _launch_form(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        flash(_("Choose a level and a period."), "error")
        return redirect(url_for("dashboard.index")), 303
    try:
        plan = plan_launch(db.session, current_user, form.level.data, form.period.data)
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("dashboard.index")), 303
    owners = queries.names_of(db.session, {s.owner_id for s in plan.new})
    return render_template("dashboard/launch_preview.html", plan=plan, owners=owners,
                           form=form)


@bp.route("/launch/plan", methods=["POST"])
def schedule():
    """Plan the day the scheduler opens these cycles."""
    if not access.can_launch(current_user):
        abort(403)
    form = _launch_form()
    try:
        launch_on = dt.date.fromisoformat(request.form.get("launch_on", ""))
    except ValueError:
        flash(_("Give the day as YYYY-MM-DD."), "error")
        return redirect(url_for("dashboard.index")), 303
    if not form.validate_on_submit():
        flash(_("Choose a level and a period."), "error")
        return redirect(url_for("dashboard.index")), 303
    try:
        plans.schedule_launch(db.session, current_user, form.level.data, form.period.data,
                              launch_on)
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(_("The cycles will open on %(day)s.", day=launch_on.isoformat()), "success")
    return redirect(url_for("dashboard.index")), 303


@bp.route("/launch", methods=["POST"])
def launch():
    if not access.can_launch(current_user):
        abort(403)
    form = _launch_form()
    if not form.validate_on_submit():
        flash(_("Choose a level and a period."), "error")
        return redirect(url_for("dashboard.index")), 303
    try:
        result = launch_cycles(db.session, current_user, form.level.data, form.period.data)
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("dashboard.index")), 303
    flash(_("Launched %(created)d cycle(s); %(existing)d already existed.",
            created=len(result.created), existing=len(result.existing)), "success")
    for subject, reason in result.skipped:
        flash(_("Not launched for %(unit)s: %(reason)s", unit=subject.name, reason=_(reason)),
              "error")
    return redirect(url_for("dashboard.index")), 303
