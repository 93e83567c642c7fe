"""My work: 我的待办, a task's page with its fill-in form, and notifications."""
from pathlib import Path

from flask import (
    abort, current_app, flash, redirect, render_template, request, send_file, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update

from app import access, queries
from app.extensions import db
from app.exports import MAX_ROWS, xlsx_response
from app.i18n import local, translate
from app.services.cycles import LEVELS, definition_for_level
from app.models import Attachment, AuditEvent, Notification, Task, utcnow
from app.notify import MESSAGES
from app.review.forms import ReviewForm
from app.services import cycles as service
from app.reports import analysis
from app.services import annual as annual_service
from app.services import attachments, deliverables, indicators, standins
from app.services.errors import Invalid
from app.tasks import bp
from app.tasks.forms import AttachmentForm, StandInForm, error_label, fill_form, form_fields, submitted_fields
from workflows import Refused
from workflows.model import N_

NOTIFICATION_PAGE = 50


def _task_list_options():
    return {"levels": LEVELS, "stages": definition_for_level("major").stages,
            "units": queries.filter_units(db.session, current_user)}


@bp.route("/")
@login_required
def index():
    filters = queries.TaskFilters.from_args(request.args)
    page = queries.my_open_tasks(db.session, current_user, request.args.get("page", 1, type=int),
                                 filters=filters)
    to_confirm = queries.targets_to_confirm(db.session, current_user)
    return render_template("tasks/index.html", page=page, now=utcnow(), filters=filters,
                           to_confirm=to_confirm,
                           names={i.code: i for i in indicators.current(db.session,
                                                                        active_only=False)}
                           if to_confirm else {},
                           to_rectify=queries.warnings_to_handle(db.session, current_user),
                           **_task_list_options())


@bp.route("/export.xlsx")
@login_required
def export():
    """My open tasks, with the filters shown, as an Excel workbook."""
    filters = queries.TaskFilters.from_args(request.args)
    now = utcnow()
    page = queries.my_open_tasks(db.session, current_user, 1, per_page=MAX_ROWS, filters=filters)
    rows = ([t.cycle.subject_name, t.cycle.unit.name, t.cycle.period.name,
             _(t.cycle.definition.stage(t.stage).label),
             _("Fill in") if t.kind == "fill" else _("Review"), t.round, local(t.due_at),
             t.days_overdue(now)] for t in page.items)
    headers = [_("Subject"), _("Unit"), _("Period"), _("Stage"), _("Task"), _("Round"),
               _("Due"), _("Days overdue")]
    return xlsx_response(_("my tasks") + f"-{local(now, '%Y%m%d')}.xlsx", _("My tasks"),
                         headers, rows)


def _visible_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not access.can_view_task(current_user, task):
        abort(404)
    return task


def _return_reason(trail, task) -> AuditEvent | None:
    """Why the previous round of this stage came back, shown to the author of the next one."""
    if task.kind != "fill" or task.round < 2:
        return None
    returns = [e for e in trail if e.action == "return" and e.round == task.round - 1]
    return returns[-1] if returns else None


def _names_of(user_ids) -> dict[int, str]:
    return queries.names_of(db.session, user_ids)


def _name_of(user_id: int | None) -> str | None:
    return _names_of({user_id}).get(user_id) if user_id else None


def _mark_read(task) -> None:
    """Opening a task is reading the notifications about it."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.task_id == task.id,
               Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    if result.rowcount:
        db.session.commit()


#: The fill-in form's buttons: the service each calls, what to say, where to go next.
FILL_ACTIONS = {
    "submit": (service.submit, N_("Submitted for review."),
               lambda task: url_for("cycles.show", cycle_id=task.cycle_id)),
    "draft": (service.save_draft, N_("Draft saved; nothing has been submitted."),
              lambda task: url_for("tasks.show", task_id=task.id)),
    "resolve": (service.resolve, N_("Handed back for confirmation."),
                lambda task: url_for("tasks.index")),
}


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id):
    task = _visible_task(task_id)
    stage = task.cycle.definition.stage(task.stage)
    latest = queries.task_version(db.session, task)
    trail = queries.stage_trail(db.session, task.cycle_id, task.stage)
    may_fill = task.status == "open" and access.can_submit(current_user, task)
    may_review = task.status == "open" and access.can_review(current_user, task)
    may_claim = access.can_claim(current_user, task) and (
        latest is None or latest.author_id != current_user.id)
    candidates = (queries.reassign_candidates(db.session, task)
                  if access.can_reassign(current_user, task)
                  or access.can_delegate(current_user, task) else None)
    may_release = access.can_release(current_user, task)
    errors = {}
    if request.method == "POST":
        if task.status != "open" and task.kind == "fill" and task.assignee_id == current_user.id:
            flash(_("This task has already been handled."), "error")  # a second click, say
            return redirect(url_for("tasks.show", task_id=task.id)), 303
        if not may_fill:
            abort(403)
        form = fill_form(stage, formdata=form_fields(request.form))
        action = request.form.get("action", "submit")
        if action not in FILL_ACTIONS:
            abort(400)
        if form.validate_on_submit():
            service_call, done, target = FILL_ACTIONS[action]
            try:
                service_call(db.session, task.id, current_user, submitted_fields(form, stage))
            except Invalid as exc:
                errors = exc.errors
                flash(translate(exc.message, exc.params), "error")
            except Refused as exc:
                flash(translate(exc.message, exc.params), "error")
                return redirect(url_for("tasks.show", task_id=task.id))
            else:
                flash(_(done), "success")
                return redirect(target(task))
        else:
            flash(_("The form has expired; please submit again."), "error")
        status = 422
    else:
        form = fill_form(stage, task.draft or (latest.data if latest else None)
                         or _starting_point(task, stage))
        status = 200
        _mark_read(task)
    return render_template("tasks/show.html", task=task, cycle=task.cycle, stage=stage,
                           form=form, errors=errors, may_fill=may_fill, may_review=may_review,
                           may_claim=may_claim, may_release=may_release, candidates=candidates,
                           may_delegate=access.can_delegate(current_user, task),
                           acting_for=_name_of(access.acting_for(current_user, task)
                                               if task.status == "open" else None),
                           behalf=_names_of({(e.data or {}).get("on_behalf_of") for e in trail}),
                           versions=len(latest.deliverable.versions) if latest else 0,
                           may_view_cycle=access.can_view_cycle(current_user, task.cycle),
                           may_resolve=access.can_resolve(current_user, task),
                           review_form=ReviewForm(), latest=latest, trail=trail,
                           returned=_return_reason(trail, task),
                           comments=queries.task_comments(db.session, task.id),
                           evidence=queries.attachments_of(db.session, task.cycle_id, task.stage),
                           upload_form=AttachmentForm() if task.status == "open"
                           and access.can_act_on(current_user, task) else None,
                           error_label=lambda path: error_label(stage, path),
                           now=utcnow()), status


def _act_on_task(task_id: int, call, success: str, anchor: str | None = None):
    """Run one service call for a task page's form and come back to the task.

    A refusal that is about permission is an HTTP error; any other is shown to the person.
    """
    _visible_task(task_id)
    try:
        call()
    except Refused as exc:
        if getattr(exc, "status", 409) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(success, "success")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor=anchor)), 303


@bp.route("/tasks/<int:task_id>/<any(claim, release):action>", methods=["POST"])
@login_required
def hold(task_id, action):
    """Claim a group task (认领), or give it back to the group."""
    call = service.claim if action == "claim" else service.release
    return _act_on_task(
        task_id, lambda: call(db.session, task_id, current_user),
        _("You have claimed this task.") if action == "claim"
        else _("Released: the group's other members see the task again."))


@bp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@login_required
def reassign(task_id):
    """Hand the task to someone else (改派): the unit leader's or the quality office's call."""
    return _act_on_task(task_id, lambda: service.reassign(
        db.session, task_id, current_user, request.form.get("to", type=int) or 0,
        request.form.get("reason")), _("Reassigned."))


@bp.route("/tasks/<int:task_id>/attachments", methods=["POST"])
@login_required
def upload(task_id):
    """Attach evidence (佐证材料) to the task's stage."""
    task = _visible_task(task_id)
    if task.status != "open" or not access.can_act_on(current_user, task):
        abort(403)
    upload_form = AttachmentForm()
    if not upload_form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("tasks.show", task_id=task_id, _anchor="evidence")), 303
    file = upload_form.file.data
    data = file.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    try:
        attachments.attach(db.session, task_id, current_user, file.filename, data,
                           Path(current_app.config["ATTACHMENTS_DIR"]),
                           current_app.config["ATTACHMENT_MAX_BYTES"])
    except Refused as exc:
        if getattr(exc, "status", 409) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(_("The file is attached."), "success")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor="evidence")), 303


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id):
    """Serve evidence only to those who may see its task or cycle."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    task = db.session.get(Task, attachment.task_id)
    if not (access.can_view_task(current_user, task)
            or access.can_view_cycle(current_user, task.cycle)):
        abort(404)
    path = Path(current_app.config["ATTACHMENTS_DIR"]) / attachment.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=attachments.MIME[attachment.kind], as_attachment=True,
                     download_name=attachment.name)


@bp.route("/tasks/<int:task_id>/delegate", methods=["POST"])
@login_required
def delegate(task_id):
    """Ask a colleague to prepare this fill-in; it comes back for confirmation (委托)."""
    return _act_on_task(task_id, lambda: service.delegate(
        db.session, task_id, current_user, request.form.get("to", type=int) or 0,
        request.form.get("note")), _("Delegated; it comes back to you to confirm."))


@bp.route("/tasks/<int:task_id>/comments", methods=["POST"])
@login_required
def comment(task_id):
    _visible_task(task_id)
    try:
        service.add_comment(db.session, task_id, current_user, request.form.get("body"))
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
    return redirect(url_for("tasks.show", task_id=task_id, _anchor="comments")), 303


@bp.route("/stand-ins", methods=["GET", "POST"])
@login_required
def stand_ins():
    """Name a deputy while away (代理), and see whom one stands in for."""
    form = StandInForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                standins.add_stand_in(db.session, current_user, current_user, form.deputy.data,
                                      form.starts_on.data, form.ends_on.data)
            except Refused as exc:
                flash(translate(exc.message, exc.params), "error")
                status = 422
            else:
                flash(_("Your deputy is set."), "success")
                return redirect(url_for("tasks.stand_ins")), 303
        else:
            flash(_("Give the deputy's staff number and both days (YYYY-MM-DD)."), "error")
            status = 422
    named, acting = standins.stand_ins_of(db.session, current_user)
    return render_template("tasks/stand_ins.html", form=form, named=named, acting=acting,
                           today=utcnow().astimezone(access.TZ).date()), status


@bp.route("/stand-ins/<int:stand_in_id>/cancel", methods=["POST"])
@login_required
def cancel_stand_in(stand_in_id):
    try:
        standins.cancel_stand_in(db.session, current_user, stand_in_id)
    except Refused as exc:
        if getattr(exc, "status", 409) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
    else:
        flash(_("The stand-in is cancelled."), "success")
    return redirect(url_for("tasks.stand_ins")), 303


@bp.route("/notifications")
@login_required
def notifications():
    page = request.args.get("page", 1, type=int)
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    result = queries._paginate(db.session, query, page, NOTIFICATION_PAGE)
    return render_template("tasks/notifications.html", page=result, messages=MESSAGES)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    db.session.execute(update(Notification)
                       .where(Notification.user_id == current_user.id,
                              Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("tasks.notifications"))



def _starting_point(task, stage) -> dict | None:
    """What a first fill-in opens with: what the college already knows about it."""
    if task.kind != "fill":
        return None
    if task.cycle.level in analysis.LEVELS:  # the roll-up the report is written from
        return analysis.proposal(db.session, task.cycle)
    if task.cycle.level == annual_service.PART:  # the office's fields and chapters
        return annual_service.proposal(db.session, task.cycle)
    return deliverables.proposal(db.session, task.cycle, stage)
