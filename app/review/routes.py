"""The review queue and the reviewer's decision: approve, or return with a reason."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import access, queries
from app.extensions import db
from app.i18n import translate
from app.models import utcnow
from app.review import bp
from app.review.forms import ReviewForm
from app.bulk_page import bulk_result
from app.services import bulk
from app.services.cycles import LEVELS, definition_for_level
from app.services import cycles as service
from workflows import Refused


@bp.route("/")
@login_required
def queue():
    filters = queries.TaskFilters.from_args(request.args, kind="review")
    page = queries.my_open_tasks(db.session, current_user, request.args.get("page", 1, type=int),
                                 filters=filters)
    return render_template("review/queue.html", page=page, now=utcnow(), filters=filters,
                           levels=LEVELS, stages=definition_for_level("major").stages,
                           units=queries.filter_units(db.session, current_user))


@bp.route("/approve-many", methods=["POST"])
@login_required
def approve_many():
    """Approve the ticked reviews; show, for each, whether it was done or why not."""
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The comment is too long (at most 2000 characters)."), "error")
        return redirect(url_for("review.queue")), 303
    return bulk_result(_("Approve many"), lambda: bulk.approve_many(
        db.session, request.form.getlist("task_ids"), current_user, form.comment.data),
        url_for("review.queue"))


@bp.route("/tasks/<int:task_id>/<any(approve, return):decision>", methods=["POST"])
@login_required
def decide(task_id, decision):
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The comment is too long (at most 2000 characters)."), "error")
        return redirect(url_for("tasks.show", task_id=task_id)), 303
    action = service.approve if decision == "approve" else service.return_for_revision
    try:
        task = action(db.session, task_id, current_user, form.comment.data)
    except Refused as exc:
        if getattr(exc, "status", 409) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("tasks.show", task_id=task_id)), 303
    flash(_("Approved.") if decision == "approve" else _("Returned for revision."), "success")
    if not access.can_view_cycle(current_user, task.cycle):  # e.g. 人事处 reviewing a teacher
        return redirect(url_for("review.queue")), 303
    return redirect(url_for("cycles.show", cycle_id=task.cycle_id)), 303
