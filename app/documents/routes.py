"""Reports (报告): the year's quality analysis reports with their charts, launched by the quality
office; each report is a cycle of its own, so it is written, reviewed and exported like any."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import access, charts, queries
from app.documents import bp
from app.extensions import db
from app.i18n import translate
from app.labels import LEVEL_LABELS
from app.models import Cycle, OrgUnit, Period
from app.reports import analysis
from app.services import rollup
from app.services.common import TZ
from app.services.cycles import launch_cycles
from workflows import CLOSED, Refused, latest_definition


@bp.before_request
@login_required
def _leaders_only():
    if not access.can_see_dashboard(current_user):
        abort(403)


def _years() -> list[Period]:
    return db.session.scalars(select(Period).where(Period.kind == "year")
                              .order_by(Period.start.desc())).all()


def _year(years: list[Period]) -> Period | None:
    wanted = request.args.get("period", type=int) or request.form.get("period", type=int)
    today = dt.datetime.now(TZ).date()
    for year in years:
        if year.id == wanted:
            return year
    current = [y for y in years if y.start <= today <= y.end]
    return current[0] if current else (years[0] if years else None)


def _scope() -> OrgUnit:
    """The unit the charts are about: the college for the office, else the person's own."""
    paths = access.supervised_paths(current_user)
    return db.session.scalars(select(OrgUnit).where(OrgUnit.path == paths[0])).one()


@bp.route("/")
def index():
    years = _years()
    year = _year(years)
    reports = []
    if year is not None:
        reports = db.session.scalars(
            select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id)
            .options(joinedload(Cycle.owner), joinedload(Cycle.unit))
            .where(Cycle.level.in_(analysis.LEVELS), Cycle.period_id == year.id,
                   access.visible_cycles_clause(current_user, OrgUnit))
            .order_by(Cycle.level.desc(), OrgUnit.path)).all()
    return render_template("documents/index.html", years=years, year=year, reports=reports,
                           statuses=queries.current_statuses(db.session, reports),
                           charts=_charts(year) if year else {},
                           may_launch=access.can_launch(current_user))


def _charts(year: Period) -> dict:
    """The three pictures of the year, in the browser: the same as inside the Word reports."""
    unit = _scope()
    labels = {level: _(LEVEL_LABELS[level]) for level in rollup.LEVELS}
    if unit.parent_id is None:
        rows = rollup.college(db.session, unit, year)
        rates = [(r.label, r.rate * 100 if r.rate is not None else None) for r in rows]
    else:
        rows = rollup.department(db.session, unit, year, labels)
        rates = [(name, rate * 100 if rate is not None else None)
                 for r in rows if r.key == "major" for name, rate in r.subjects]
    months, series = rollup.warnings_by_month(db.session, unit, year)
    major = latest_definition("major")
    order = [s.name for s in major.stages] + [CLOSED]
    names = {s.name: _(s.label) for s in major.stages} | {CLOSED: _("Closed")}
    progress = rollup.stage_progress(db.session, unit, year)
    return {
        "unit": unit,
        "rates": charts.bar_chart(rates, title=_("Achievement of targets by unit")),
        "warnings": charts.line_chart(
            months, [charts.Series(_("Red"), list(zip(months, series["red"]))),
                     charts.Series(_("Yellow"), list(zip(months, series["yellow"])))], {},
            title=_("Warnings opened by month")) if any(series["red"] + series["yellow"])
        else None,
        "progress": charts.stacked_bars(
            [(labels.get(level, level), [(names[s], counts.get(s, 0)) for s in order
                                        if counts.get(s)])
             for level, counts in progress.items()], title=_("Cycles by stage")),
    }


@bp.route("/launch", methods=["POST"])
def launch():
    """Open this year's analysis reports: one per department, and the college's."""
    if not access.can_launch(current_user):
        abort(403)
    year = _year(_years())
    if year is None or request.form.get("period", type=int) != year.id:
        flash(_("Choose a year."), "error")
        return redirect(url_for("documents.index")), 303
    created = 0
    try:
        for level in analysis.LEVELS:
            created += len(launch_cycles(db.session, current_user, level, year.id).created)
    except Refused as exc:
        db.session.rollback()
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("documents.index", period=year.id)), 303
    flash(_("Opened %(n)d quality analysis report(s); those already open were left alone.",
            n=created), "success")
    return redirect(url_for("documents.index", period=year.id)), 303
