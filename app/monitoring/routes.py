"""Warnings (预警): the list a person may see or must handle, one warning's page and the
owner's steps: acknowledge, give a rectification measure, close with evidence."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import access, charts, queries
from app.exports import MAX_ROWS, xlsx_response
from app.extensions import db
from app.i18n import local, translate
from app.models import Measurement, Warning, utcnow
from app.monitoring import bp
from app.monitoring.forms import ActForm
from app.services import indicators as library
from app.services import warnings as service
from app.services.measurements import IndicatorLines
from workflows import Refused
from workflows import warnings as machine

STEPS = ("acknowledge", "rectify", "close")


@bp.before_request
@login_required
def _signed_in():
    pass


def _names() -> dict:
    return {i.code: i for i in library.current(db.session, active_only=False)}


@bp.route("/")
def index():
    now = utcnow()
    filters = queries.WarningFilters.from_args(request.args)
    page = queries.warnings_list(db.session, current_user, filters, now,
                                 request.args.get("page", 1, type=int))
    return render_template("monitoring/index.html", page=page, filters=filters, now=now,
                           names=_names(), units=queries.filter_units(db.session, current_user))


@bp.route("/export.xlsx")
def export():
    """The warnings list, with the filters shown, as an Excel workbook."""
    now = utcnow()
    filters = queries.WarningFilters.from_args(request.args)
    page = queries.warnings_list(db.session, current_user, filters, now, per_page=MAX_ROWS)
    names = _names()
    states = {"open": _("Not acknowledged"), "acknowledged": _("Acknowledged"),
              "rectifying": _("Rectifying"), "verified": _("Verified, to close"),
              "closed": _("Closed")}
    tiers = [_(t) for t in machine.TIERS]
    rows = ([w.unit.name, f"{w.indicator_code} {names[w.indicator_code].name}"
             if w.indicator_code in names else w.indicator_code, w.period_label,
             _("Red") if w.severity == "red" else _("Yellow"), float(w.value),
             float(w.latest_value), states[w.state], tiers[w.tier],
             w.owner.name if w.owner else "", local(w.opened_at), (now - w.opened_at).days,
             local(w.due_at), w.measure or ""] for w in page.items)
    headers = [_("Unit"), _("Indicator"), _("Data period"), _("Severity"), _("Value"),
               _("Latest value"), _("State"), _("With"), _("Owner"), _("Opened"),
               _("Days open"), _("Deadline"), _("Rectification measure")]
    return xlsx_response(_("warnings") + f"-{local(now, '%Y%m%d')}.xlsx", _("Warnings"),
                         headers, rows)


def _visible(warning_id: int) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None or not access.can_view_warning(current_user, warning):
        abort(404)
    return warning


@bp.route("/<int:warning_id>")
def show(warning_id):
    warning = _visible(warning_id)
    may_act = access.can_handle_warning(current_user, warning)
    steps = {s: may_act and machine.may(warning.state, s) for s in STEPS}
    form = ActForm(deadline=(utcnow() + dt.timedelta(days=machine.POLICY.default_rectify_days))
                   .date().isoformat())
    return render_template("monitoring/show.html", warning=warning, steps=steps, form=form,
                           indicator=_names().get(warning.indicator_code),
                           chart=_trend(warning), now=utcnow(), states=machine.STATES,
                           history=queries.history_of(db.session, warning_id=warning.id))


def _trend(warning: Warning):
    """The unit's values of the indicator over the data periods, with the current lines."""
    values = db.session.execute(select(Measurement.period_label, Measurement.value).where(
        Measurement.indicator_code == warning.indicator_code,
        Measurement.unit_id == warning.unit_id).order_by(Measurement.period_label)).all()
    if not values:
        return None
    lines = IndicatorLines(db.session)
    if not lines.known(warning.indicator_code):
        return None
    current = lines.for_period(warning.indicator_code, warning.period_label)
    return charts.line_chart(
        [label for label, _v in values],
        [charts.Series(warning.unit.name, [(label, Decimal(v)) for label, v in values])],
        {"target": (_("Target"), current.target), "warn": (_("Warning"), current.warn),
         "severe": (_("Severe"), current.severe)},
        title=f"{current.code} {current.name}", height=220)


@bp.route("/<int:warning_id>/<any(acknowledge, rectify, close):step>", methods=["POST"])
def act(warning_id, step):
    warning = _visible(warning_id)
    form = ActForm()
    if not form.validate_on_submit():
        flash(_("The text is too long (at most 4000 characters)."), "error")
        return redirect(url_for("monitoring.show", warning_id=warning.id)), 303
    try:
        if step == "acknowledge":
            service.acknowledge(db.session, warning.id, current_user)
        elif step == "rectify":
            text = (form.deadline.data or "").strip()
            try:
                deadline = dt.date.fromisoformat(text[:10]) if text else None
                if len(text) > 10:
                    raise ValueError(text)
            except ValueError:
                flash(_("Enter a date as YYYY-MM-DD."), "error")
                return redirect(url_for("monitoring.show", warning_id=warning.id)), 303
            service.rectify(db.session, warning.id, current_user, form.measure.data, deadline)
        else:
            service.close(db.session, warning.id, current_user, form.evidence.data)
    except Refused as exc:
        db.session.rollback()
        if getattr(exc, "status", 0) in (403, 404):
            abort(exc.status)
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("monitoring.show", warning_id=warning.id)), 303
    flash({"acknowledge": _("Acknowledged."), "rectify": _("Rectification measure recorded."),
           "close": _("Warning closed.")}[step], "success")
    return redirect(url_for("monitoring.show", warning_id=warning.id)), 303

