"""The target chain (目标链): the targets a person may see, setting one, handing it down to the
units below, and confirming or returning what was handed down."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from app import access, queries
from app.extensions import db
from app.i18n import translate
from app.models import OrgUnit, Period, Target, in_subtree, utcnow
from app.services import indicators as library
from app.services import targets as service
from app.services.common import TZ
from app.services.errors import Invalid
from app.targets import bp
from app.targets.forms import CascadeForm, DecisionForm, TargetForm
from workflows import Refused


@bp.before_request
@login_required
def _signed_in():
    pass


def _years() -> list[Period]:
    return db.session.scalars(select(Period).where(Period.kind == "year")
                              .order_by(Period.start.desc())).all()


def _chosen_year(years: list[Period]) -> Period | None:
    wanted = request.args.get("period", type=int)
    today = dt.datetime.now(TZ).date()
    for year in years:
        if year.id == wanted:
            return year
    current = [y for y in years if y.start <= today <= y.end]
    return current[0] if current else (years[0] if years else None)


def _indicator_choices(blank: bool = True) -> list[SelectChoice]:
    choices = [SelectChoice("", _("— choose an indicator —"))] if blank else []
    return choices + [SelectChoice(i.code, f"{i.code} {i.name}（{i.unit_label}）")
                      for i in library.current(db.session)]


def _settable_units() -> list[OrgUnit]:
    """Units the person may set targets at, in tree order."""
    paths = access.supervised_paths(current_user)
    if not paths:
        return []
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind != "post", or_(*[in_subtree(OrgUnit.path, p) for p in paths]))
        .order_by(OrgUnit.path)).all()
    return [u for u in units if access.can_set_targets(current_user, u)]


@bp.route("/")
def index():
    years = _years()
    year = _chosen_year(years)
    targets = queries.visible_targets(db.session, current_user, [year.id] if year else [])
    return render_template(
        "targets/index.html", years=years, year=year, targets=targets,
        rollups=service.rollups(db.session, targets),
        achieved={a.target.id: a for a in service.achievements(db.session, targets)},
        names={i.code: i for i in library.current(db.session, active_only=False)},
        to_confirm=queries.targets_to_confirm(db.session, current_user),
        may_create=bool(_settable_units()), now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
def new():
    units = _settable_units()
    if not units:
        abort(403)
    form = TargetForm(period=_chosen_year(_years()).id if _years() else None)
    form.unit.choices = [SelectChoice(u.id, ("　" * (u.depth - 1)) + u.name) for u in units]
    form.period.choices = [SelectChoice(p.id, p.name) for p in _years()]
    form.indicator.choices = _indicator_choices()
    status = 200
    if form.validate_on_submit():
        try:
            target = service.create(db.session, current_user, form.unit.data, form.period.data,
                                    form.indicator.data, form.value.data, form.deadline.data,
                                    form.baseline.data, form.title.data or "")
        except Invalid as exc:
            db.session.rollback()
            _field_errors(form, exc)
            flash(translate(exc.message, exc.params), "error")
            status = 422
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
            status = exc.status if getattr(exc, "status", 0) in (403, 404) else 422
        else:
            flash(_("Target saved."), "success")
            return redirect(url_for("targets.show", target_id=target.id)), 303
    elif request.method == "POST":
        status = 422  # and say everything that is wrong at once, not one part per try
        period = db.session.get(Period, form.period.data) if form.period.data else None
        if period is not None:
            try:
                service.check_smart(db.session, period, form.indicator.data, form.value.data,
                                    form.deadline.data, form.baseline.data)
            except Invalid as exc:
                _field_errors(form, exc)
    return render_template("targets/new.html", form=form), status


def _field_errors(form, exc: Invalid) -> None:
    for name, (message, params) in exc.errors.items():
        field = getattr(form, name.split("[")[0], None)
        text = translate(message, params)
        if field is not None and text not in field.errors:
            field.errors = [*field.errors, text]


def _visible(target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None or not access.can_view_target(current_user, target):
        abort(404)
    return target


@bp.route("/<int:target_id>")
def show(target_id):
    target = _visible(target_id)
    children_units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.parent_id == target.unit_id, OrgUnit.kind != "post").order_by(OrgUnit.path)).all()
    may_cascade = (target.status == "confirmed" and bool(children_units)
                   and access.can_set_targets(current_user, target.unit))
    rollup = service.rollups(db.session, [target])[target.id]
    cascade = None
    if may_cascade:
        cascade = CascadeForm(indicator=target.indicator_code,
                              deadline=target.deadline.isoformat())
        cascade.indicator.choices = _indicator_choices(blank=False)
    return render_template(
        "targets/show.html", target=target, rollup=rollup,
        achieved=service.achievements(db.session, [target])[0],
        names={i.code: i for i in library.current(db.session, active_only=False)},
        children_units=children_units,
        existing={c.unit_id: c for c in rollup.children},
        cascade=cascade, decision=DecisionForm() if access.can_confirm_target(
            current_user, target) else None,
        history=queries.history_of(db.session, target_id=target.id), now=utcnow())


@bp.route("/<int:target_id>/cascade", methods=["POST"])
def cascade(target_id):
    target = _visible(target_id)
    form = CascadeForm()
    form.indicator.choices = _indicator_choices(blank=False)
    if not form.validate_on_submit():
        flash(_("The form has expired; please submit again."), "error")
        return redirect(url_for("targets.show", target_id=target.id)), 303
    ticked = [int(u) for u in request.form.getlist("units") if u.isdigit() and len(u) < 10]
    values = {unit_id: request.form.get(f"value-{unit_id}", "") for unit_id in ticked}
    try:
        result = service.cascade(db.session, current_user, target.id, values,
                                 form.indicator.data, form.deadline.data or None)
    except Refused as exc:
        db.session.rollback()
        if getattr(exc, "status", 0) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
        for detail in dict.fromkeys(translate(message, params)
                                    for message, params in getattr(exc, "errors", {}).values()):
            flash(detail, "error")
        return redirect(url_for("targets.show", target_id=target.id)), 303
    flash(_("Handed down: %(created)d new, %(resent)d sent again.", created=len(result.created),
            resent=len(result.resent)), "success")
    for unit, reason in result.skipped:
        flash(_("Not sent to %(unit)s: %(reason)s", unit=unit.name, reason=_(reason)), "error")
    return redirect(url_for("targets.show", target_id=target.id)), 303


@bp.route("/<int:target_id>/<any(confirm, return):decision>", methods=["POST"])
def decide(target_id, decision):
    target = _visible(target_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long (at most 2000 characters)."), "error")
        return redirect(url_for("targets.show", target_id=target.id)), 303
    try:
        if decision == "confirm":
            service.confirm(db.session, target.id, current_user)
        else:
            service.return_target(db.session, target.id, current_user, form.reason.data)
    except Refused as exc:
        db.session.rollback()
        if getattr(exc, "status", 0) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("targets.show", target_id=target.id)), 303
    flash(_("Target confirmed.") if decision == "confirm" else _("Target returned."), "success")
    return redirect(url_for("targets.show", target_id=target.id)), 303
