"""Reports (报告): the year's quality analysis reports with their charts, launched by the quality
office; each report is a cycle of its own, so it is written, reviewed and exported like any."""
from __future__ import annotations

import datetime as dt
import io

from flask import (abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import access, charts, queries
from app.documents import bp
from app.extensions import db
from app.i18n import translate
from app.labels import LEVEL_LABELS
from app.models import Cycle, OrgUnit, Period
from app.reports import analysis
from app.reports import annual as annual_report_doc
from app.services import annual, rollup
from app.services.common import TZ
from app.services.cycles import launch_cycles
from app.services.errors import Invalid
from workflows import CLOSED, Refused, latest_definition
from workflows.model import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    short = [_("%(month)d mo.", month=int(m[5:])) for m in months]  # "9月": the year is above
    major = latest_definition("major")
    order = [s.name for s in major.stages] + [CLOSED]
    names = {s.name: _(s.label) for s in major.stages} | {CLOSED: _("Closed")}
    progress = rollup.stage_progress(db.session, unit, year)
    return {
        "unit": unit,
        "rates": charts.bar_chart(rates, title=_("Achievement of targets by unit")),
        "warnings": charts.line_chart(
            short, [charts.Series(_("Red"), list(zip(short, series["red"]))),
                    charts.Series(_("Yellow"), list(zip(short, series["yellow"])))], {},
            title=_("Warnings opened by month"), counts=True,
            colours=["#cf222e", "#bf8700"]) if any(series["red"] + series["yellow"])
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


class ConfigForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


@bp.route("/annual", methods=["GET", "POST"])
def annual_report():
    """The year's annual quality report: its parts, what is still owed, the exports; the
    quality office opens it and keeps its tables (Excel out and in)."""
    years = _years()
    year = _year(years)
    if year is None:
        abort(404)
    form, errors, status = ConfigForm(), [], 200
    if request.method == "POST":
        if not access.can_launch(current_user):
            abort(403)
        if not form.validate_on_submit():
            flash(_("Choose a file to upload."), "error")
            return redirect(url_for("documents.annual_report", period=year.id)), 303
        data = form.file.data.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
        try:
            if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
                raise Invalid(N_("The file is too large (at most %(mb)d MB)."), mb=10)
            errors = annual.import_config(db.session, current_user, year,
                                          form.file.data.filename or "", data)
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
            return redirect(url_for("documents.annual_report", period=year.id)), 303
        if not errors:
            flash(_("The report's tables and chapters are saved for %(year)s.", year=year.name),
                  "success")
            return redirect(url_for("documents.annual_report", period=year.id)), 303
        db.session.rollback()
        status = 422
    report = annual.of_year(db.session, year)
    cycles = db.session.scalars(
        select(Cycle).join(OrgUnit, OrgUnit.id == Cycle.unit_id)
        .options(joinedload(Cycle.owner), joinedload(Cycle.unit))
        .where(Cycle.level.in_([annual.PART, annual.COMPILE]), Cycle.period_id == year.id)
        .order_by(Cycle.level, OrgUnit.code)).all()
    values = annual.values(db.session, report, year) if report else []
    return render_template(
        "documents/annual.html", years=years, year=year, report=report, cycles=cycles,
        statuses=queries.current_statuses(db.session, cycles), values=values,
        missing=[v for v in values if v.state == "missing"],
        chapters=annual.chapter_texts(db.session, report, year) if report else [],
        compile_cycle=next((c for c in cycles if c.level == annual.COMPILE), None),
        may_launch=access.can_launch(current_user), form=form, errors=errors), status


@bp.route("/annual/launch", methods=["POST"])
def launch_annual():
    if not access.can_launch(current_user):
        abort(403)
    year = _year(_years())
    if year is None or request.form.get("period", type=int) != year.id:
        flash(_("Choose a year."), "error")
        return redirect(url_for("documents.annual_report")), 303
    try:
        result = annual.launch(db.session, current_user, year)
    except Refused as exc:
        db.session.rollback()
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("documents.annual_report", period=year.id)), 303
    flash(_("Opened %(n)d task(s) for the annual quality report; those already open were left "
            "alone.", n=len(result["opened"])), "success")
    for name in result["skipped"]:
        flash(_("Not opened for %(unit)s: no one leads it.", unit=name), "error")
    return redirect(url_for("documents.annual_report", period=year.id)), 303


@bp.route("/annual/config.xlsx")
def annual_config():
    year = _year(_years())
    if year is None:
        abort(404)
    report = annual.of_year(db.session, year) or annual.ensure(db.session, None, year)
    data = annual.export_config(report)
    db.session.rollback()  # a report not yet opened is not made by looking at its tables
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"{year.name}-" + _("annual report tables") + ".xlsx")


@bp.route("/annual/tables.xlsx")
def annual_tables():
    """The standard tables alone, with the values gathered so far."""
    year = _year(_years())
    report = annual.of_year(db.session, year) if year else None
    if report is None:
        abort(404)
    return send_file(io.BytesIO(annual_report_doc.tables_xlsx(db.session, report, year)),
                     as_attachment=True, mimetype=XLSX,
                     download_name=f"{year.name}-" + _("annual report tables") + ".xlsx")
