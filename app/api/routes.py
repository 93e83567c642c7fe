"""The JSON API under /api/v1, authenticated with a bearer token (`flask users token NAME`)."""
from __future__ import annotations

from functools import wraps

from flask import abort, g, jsonify, make_response, request
from flask_babel import gettext as _
from sqlalchemy import select

from app import access, queries
from app.api import bp
from app.api.openapi import OPENAPI
from app.extensions import db
from app.i18n import translate
from app.models import ApiToken, Cycle, Task, User, utcnow
from app.services import bulk, measurements
from app.services import cycles as service
from app.services.cycles import LEVELS
from workflows import Refused
from workflows.forms import describe


def _error(status: int, message: str, **extra):
    return jsonify({"error": {"status": status, "message": message, **extra}}), status


def _fail(status: int, message: str):
    """Stop the request with a JSON error."""
    abort(make_response(*_error(status, message)))


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(401, _("A bearer token is required."))
        user = db.session.scalars(
            select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.digest == ApiToken.digest_of(token.strip()),
                   ApiToken.revoked_at.is_(None), User.active.is_(True))).first()
        if user is None:
            return _error(401, _("The token is not valid."))
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def _json_body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON is bad input, not a server fault
        body = None
    if not isinstance(body, dict):
        _fail(400, _("Send a JSON object."))
    return body


def _refused(exc: Refused):
    errors = getattr(exc, "errors", None)
    extra = {"fields": {k: translate(m, p) for k, (m, p) in errors.items()}} if errors else {}
    return _error(getattr(exc, "status", 409), translate(exc.message, exc.params), **extra)


def task_json(task: Task) -> dict:
    return {"id": task.id, "cycle_id": task.cycle_id, "stage": task.stage, "kind": task.kind,
            "status": task.status, "round": task.round, "step": task.step,
            "due_at": task.due_at.isoformat(),
            "unit": task.cycle.unit.code, "unit_name": task.cycle.unit.name,
            "subject": task.cycle.subject_name}


def cycle_json(cycle: Cycle) -> dict:
    return {"id": cycle.id, "level": cycle.level, "unit": cycle.unit.code,
            "unit_name": cycle.unit.name, "subject": cycle.subject_name,
            "subject_kind": cycle.subject_kind, "period": cycle.period.name,
            "definition": cycle.definition_name, "definition_version": cycle.definition_version,
            "stage": cycle.stage, "round": cycle.round, "owner": cycle.owner.username,
            "monitor_at": cycle.monitor_at.isoformat(), "diagnose_at": cycle.diagnose_at.isoformat()}


def _visible_task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not access.can_view_task(g.api_user, task):
        _fail(404, _("No such task."))
    return task


def _page_args():
    page = request.args.get("page", 1, type=int)
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 200)
    return page, per_page


@bp.get("/me/tasks")
@token_required
def my_tasks():
    page, per_page = _page_args()
    result = queries.my_open_tasks(db.session, g.api_user, page, per_page)
    return jsonify({"items": [task_json(t) for t in result.items], "page": result.page,
                    "per_page": result.per_page, "total": result.total})


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id):
    task = _visible_task(task_id)
    stage = task.cycle.definition.stage(task.stage)
    latest = queries.task_version(db.session, task)
    return jsonify({**task_json(task),
                    "stage_label": translate(stage.label),
                    "form": {"fields": describe(stage.form, translate)},
                    "deliverable": ({"version": latest.number, "round": latest.round,
                                     "fields": latest.data} if latest else None),
                    "actions": {"submit": task.status == "open" and access.can_submit(g.api_user, task),
                                "review": task.status == "open" and access.can_review(g.api_user, task)}})


@bp.post("/tasks/<int:task_id>/submit")
@token_required
def submit_task(task_id):
    _visible_task(task_id)
    body = _json_body()
    if "fields" not in body:
        return _error(400, _("Send the deliverable as {\"fields\": {...}}."))
    try:
        version = service.submit(db.session, task_id, g.api_user, body["fields"])
    except Refused as exc:
        return _refused(exc)
    return jsonify({"status": "submitted", "version": version.number}), 201


def _decision(task_id, action):
    _visible_task(task_id)
    body = _json_body()
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        return _error(400, _("The comment must be text."))
    try:
        task = action(db.session, task_id, g.api_user, comment)
    except Refused as exc:
        return _refused(exc)
    return jsonify({"status": task.outcome, "task": task_json(task),
                    "cycle": cycle_json(task.cycle)})


@bp.post("/tasks/<int:task_id>/approve")
@token_required
def approve_task(task_id):
    return _decision(task_id, service.approve)


@bp.post("/tasks/<int:task_id>/return")
@token_required
def return_task(task_id):
    return _decision(task_id, service.return_for_revision)


def _hold(task_id, action):
    _visible_task(task_id)
    try:
        task = action(db.session, task_id, g.api_user)
    except Refused as exc:
        return _refused(exc)
    return jsonify({"task": {**task_json(task),
                             "assignee": task.assignee.username if task.assignee else None}})


@bp.post("/tasks/<int:task_id>/claim")
@token_required
def claim_task(task_id):
    return _hold(task_id, service.claim)


@bp.post("/tasks/<int:task_id>/release")
@token_required
def release_task(task_id):
    return _hold(task_id, service.release)


def _bulk(action, text_key):
    body = _json_body()
    text = body.get(text_key)
    if text is not None and not isinstance(text, str):
        return _error(400, _("The comment must be text."))
    if not isinstance(body.get("task_ids"), list):
        return _error(400, _("Send the tasks as {\"task_ids\": [...]}."))
    try:
        results = action(db.session, body["task_ids"], g.api_user, text)
    except Refused as exc:
        return _refused(exc)
    return jsonify({"results": [{"task_id": r.task_id, "ok": r.ok,
                                 "message": translate(r.message, r.params)} for r in results],
                    "done": sum(r.ok for r in results)})


@bp.post("/tasks/approve-many")
@token_required
def approve_many():
    return _bulk(bulk.approve_many, "comment")


@bp.post("/tasks/reassign")
@token_required
def reassign_many():
    body = _json_body()
    if not isinstance(body.get("to"), str):
        return _error(400, _("Name the person by staff number: {\"to\": \"2005560\"}."))
    return _bulk(lambda s, ids, actor, reason: bulk.reassign_many(s, ids, actor, body["to"], reason),
                 "reason")


@bp.post("/tasks/urge")
@token_required
def urge_many():
    return _bulk(bulk.urge_many, "message")


def comment_json(comment) -> dict:
    return {"id": comment.id, "author": comment.author.username,
            "author_name": comment.author.name, "body": comment.body,
            "created_at": comment.created_at.isoformat()}


@bp.get("/tasks/<int:task_id>/comments")
@token_required
def list_comments(task_id):
    _visible_task(task_id)
    return jsonify({"items": [comment_json(c) for c in queries.task_comments(db.session, task_id)]})


@bp.post("/tasks/<int:task_id>/comments")
@token_required
def post_comment(task_id):
    _visible_task(task_id)
    body = _json_body().get("body")
    if body is not None and not isinstance(body, str):
        return _error(400, _("The comment must be text."))
    try:
        comment = service.add_comment(db.session, task_id, g.api_user, body)
    except Refused as exc:
        return _refused(exc)
    return jsonify(comment_json(comment)), 201


@bp.post("/measurements")
@token_required
def push_measurements():
    """The data centre pushes indicator values; all are checked, all or none are written."""
    if not access.has_college_role(g.api_user, "quality_office", "admin"):
        return _error(403, _("You do not have permission to do this."))
    body = _json_body()
    try:
        checked = measurements.preview(db.session, measurements.table_from_json(
            body.get("measurements")))
    except Refused as exc:
        return _refused(exc)
    if checked.bad:
        # rows are counted from 1 as the caller sent them (the file's header row is row 1)
        return _error(422, _("Some measurements need fixing; nothing was imported."),
                      rows={str(r.number - 1): translate(r.error, r.error_params)
                            for r in checked.bad})
    counts = measurements.accept(db.session, checked, g.api_user,
                                 str(body.get("source") or "api")[:200])
    return jsonify({**counts, "warnings": sum(1 for r in checked.good
                                              if r.status in ("yellow", "red"))})


@bp.get("/cycles/<int:cycle_id>")
@token_required
def get_cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not access.can_view_cycle(g.api_user, cycle):
        return _error(404, _("No such cycle."))
    history = [{"at": e.at.isoformat(), "action": e.action, "from": e.from_stage,
                "to": e.to_stage, "round": e.round, "comment": e.comment,
                "actor": e.actor.username if e.actor else None}
               for e in queries.cycle_history(db.session, cycle.id)]
    return jsonify({**cycle_json(cycle), "history": history})


@bp.get("/cycles")
@token_required
def list_cycles():
    page, per_page = _page_args()
    overdue = request.args.get("overdue", "")
    if overdue not in ("", "0", "1", "true", "false"):
        return _error(400, _("overdue must be 1 or 0."))
    result = queries.visible_cycles(
        db.session, g.api_user, level=request.args.get("level") or None,
        unit_code=request.args.get("unit") or None, stage=request.args.get("stage") or None,
        overdue_at=utcnow() if overdue in ("1", "true") else None, page=page, per_page=per_page)
    return jsonify({"items": [cycle_json(c) for c in result.items], "page": result.page,
                    "per_page": result.per_page, "total": result.total})


@bp.get("/dashboard")
@token_required
def dashboard():
    if not access.can_see_dashboard(g.api_user):
        return _error(403, _("You do not have permission to do this."))
    level = request.args.get("level", "major")
    if level not in LEVELS:
        return _error(400, _("Unknown level %(level)s.", level=level))
    now = utcnow()
    parents, counts = queries.stage_matrix(db.session, g.api_user, level)
    overdue = queries.overdue_tasks(db.session, g.api_user, now, per_page=100)
    return jsonify({
        "units": [{"unit": p.code, "name": p.name,
                   "stages": {stage: n for (pid, stage), n in counts.items() if pid == p.id}}
                  for p in parents],
        "overdue": {"total": overdue.total,
                    "items": [{**task_json(t), "days_overdue": t.days_overdue(now),
                               "escalation_tier": t.escalation_tier} for t in overdue.items]},
    })


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)
