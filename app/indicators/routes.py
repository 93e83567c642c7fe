"""The indicator library and measurement imports, for the quality office."""
from __future__ import annotations

import io
import secrets
from decimal import Decimal
from pathlib import Path

from flask import (abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from sqlalchemy import func, or_, select

from app import access, charts
from app.extensions import db
from app.i18n import translate
from app.indicators import bp
from app.labels import LEVEL_LABELS
from app.models import Measurement, OrgUnit, in_subtree
from app.services import indicators, measurements
from app.services.cycles import LEVELS
from app.services.errors import Invalid
from workflows import Refused
from workflows.indicators import OPERATORS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


class IndicatorForm(FlaskForm):
    """An indicator's lines; saving a change adds a version from the given data period on."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=16)])
    level = SelectField(_l("Level"),
                        choices=[SelectChoice(lv, _l(LEVEL_LABELS[lv])) for lv in LEVELS])
    name = StringField(_l("Indicator"), validators=[DataRequired(), Length(max=100)])
    unit_label = StringField(_l("Unit of measure"), validators=[Length(max=16)])
    data_type = SelectField(_l("Data type"), choices=[SelectChoice("number", _l("Number")),
                                                      SelectChoice("boolean", _l("Yes / no"))])
    operator = SelectField(_l("Rule"), choices=[SelectChoice(o, o) for o in OPERATORS])
    target = DecimalField(_l("Target value"), validators=[InputRequired()])
    warn = DecimalField(_l("Warning value"), validators=[InputRequired()])
    severe = DecimalField(_l("Severe value"), validators=[InputRequired()])
    from_label = StringField(_l("From data period"), validators=[Length(max=32)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def lines(self) -> indicators.Lines:
        return indicators.Lines(
            name=self.name.data, unit_label=self.unit_label.data or "",
            data_type=self.data_type.data, operator=self.operator.data, target=self.target.data,
            warn=self.warn.data, severe=self.severe.data,
            from_label=(self.from_label.data or "").strip(), note=self.note.data)


class RetireForm(FlaskForm):
    active = HiddenField()


class EntryForm(FlaskForm):
    """One value typed in by hand, with where it came from."""

    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=32)])
    indicator_code = SelectField(_l("Indicator"))
    period = StringField(_l("Data period"), validators=[DataRequired(), Length(max=32)])
    value = StringField(_l("Value"), validators=[DataRequired(), Length(max=32)])
    source = StringField(_l("Source"), validators=[DataRequired(), Length(max=200)])


class AcceptForm(FlaskForm):
    token = StringField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}\.(csv|xlsx)$")])
    name = StringField(validators=[Length(max=200)])


#: Pages the leaders who see the dashboard read too, for the units they supervise.
READ_BY_LEADERS = frozenset({"indicators.lights", "indicators.trend"})


@bp.before_request
@login_required
def _only_the_quality_office():
    if access.has_college_role(current_user, "quality_office", "admin"):
        return
    if request.endpoint in READ_BY_LEADERS and access.can_see_dashboard(current_user):
        return
    abort(403)


def _supervised(query):
    """Narrow a query on OrgUnit to the units the person supervises."""
    return query.where(or_(*[in_subtree(OrgUnit.path, p)
                             for p in access.supervised_paths(current_user)]))


def _uploads() -> Path:
    path = Path(current_app.config["ATTACHMENTS_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.route("/")
def index():
    return render_template("indicators/index.html",
                           indicators=indicators.current(db.session, active_only=False),
                           form=ImportForm(), library_form=ImportForm(prefix="library"))


@bp.route("/library.xlsx")
def export_library():
    return send_file(io.BytesIO(indicators.export_xlsx(db.session)), as_attachment=True,
                     download_name="indicators.xlsx", mimetype=XLSX)


@bp.route("/library", methods=["POST"])
def import_library():
    """New codes are added, changed lines become new versions; one bad row and nothing changes."""
    form = ImportForm(prefix="library")
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("indicators.index")), 303
    file = form.file.data
    data = file.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    try:
        if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
            flash(_("The file is too large (at most %(mb)d MB).", mb=10), "error")
            return redirect(url_for("indicators.index")), 303
        result = indicators.import_table(db.session, current_user, file.filename or "", data)
    except Refused as exc:
        db.session.rollback()
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("indicators.index")), 303
    if result.errors:
        return render_template("indicators/index.html",
                               indicators=indicators.current(db.session, active_only=False),
                               form=ImportForm(), library_form=form,
                               library_errors=result.errors), 422
    flash(_("Indicator library: %(created)d added, %(revised)d with new lines, %(unchanged)d "
            "unchanged.", created=len(result.created), revised=len(result.revised),
            unchanged=result.unchanged), "success")
    return redirect(url_for("indicators.index")), 303


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            created = indicators.create(db.session, current_user, form.code.data or "",
                                        form.level.data, form.lines())
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
        else:
            flash(_("Indicator %(code)s added.", code=created.code), "success")
            return redirect(url_for("indicators.detail", code=created.code)), 303
    status = 422 if request.method == "POST" else 200
    return render_template("indicators/edit.html", form=form, indicator=None, versions=[]), status


@bp.route("/<code>", methods=["GET", "POST"])
def detail(code):
    """An indicator's versions and the form that adds the next one."""
    versions = indicators.history(db.session, code)
    if not versions:
        abort(404)
    latest = versions[-1]
    form = IndicatorForm(obj=None if request.method == "POST" else latest)
    del form.code, form.level  # fixed once the indicator exists
    if form.validate_on_submit():
        try:
            revised = indicators.revise(db.session, current_user, code, form.lines())
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
        else:
            flash(_("Saved as version %(version)d.", version=revised.version) if revised
                  else _("Nothing changed."), "success")
            return redirect(url_for("indicators.detail", code=code)), 303
    status = 422 if request.method == "POST" else 200
    return render_template("indicators/edit.html", form=form, indicator=latest,
                           versions=versions, retire=RetireForm()), status


@bp.route("/<code>/active", methods=["POST"])
def set_active(code):
    form = RetireForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    try:
        indicators.set_active(db.session, current_user, code, form.active.data == "1")
    except Refused as exc:
        db.session.rollback()
        flash(translate(exc.message, exc.params), "error")
    return redirect(url_for("indicators.detail", code=code)), 303


@bp.route("/measurements/new", methods=["GET", "POST"])
def enter():
    """Type one value in by hand; it goes through the same checks as an imported row."""
    form = EntryForm()
    form.indicator_code.choices = [SelectChoice(i.code, f"{i.code} {i.name}")
                                   for i in indicators.current(db.session)]
    if form.validate_on_submit():
        table = [["period", "unit_code", "indicator_code", "value", "source"],
                 [form.period.data.strip(), form.unit_code.data.strip(),
                  form.indicator_code.data, form.value.data.strip(), form.source.data.strip()]]
        try:
            checked = measurements.preview(db.session, table)
            if checked.bad:
                row = checked.bad[0]
                raise Invalid(row.error, **row.error_params)
            counts = measurements.accept(db.session, checked, current_user, form.source.data)
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
        else:
            flash(_("Recorded: %(new)d new, %(changed)d changed, %(unchanged)d unchanged; "
                    "%(opened)d warning(s) opened, %(verified)d verified.",
                    **counts), "success")
            return redirect(url_for("indicators.trend", indicator=form.indicator_code.data,
                                    unit=form.unit_code.data.strip())), 303
    status = 422 if request.method == "POST" else 200
    return render_template("indicators/enter.html", form=form), status


@bp.route("/lights")
def lights():
    """The traffic-light matrix: each unit's latest values of a level's indicators in a period."""
    level = request.args.get("level", "major")
    periods = db.session.scalars(select(Measurement.period_label).distinct()
                                 .order_by(Measurement.period_label.desc())).all()
    period = request.args.get("period") or (periods[0] if periods else "")
    library = indicators.current(db.session, level)
    values = db.session.execute(
        select(Measurement.unit_id, Measurement.indicator_code, Measurement.value,
               Measurement.status)
        .where(Measurement.period_label == period,
               Measurement.indicator_code.in_([i.code for i in library]))).all()
    cells = {(unit_id, code): (value, status) for unit_id, code, value, status in values}
    units = db.session.scalars(_supervised(select(OrgUnit).where(
        OrgUnit.id.in_({unit_id for unit_id, _code in cells}))).order_by(OrgUnit.path)).all()
    shown = {u.id for u in units}
    counts = {s: sum(1 for (unit_id, _c), (_v, st) in cells.items()
                     if st == s and unit_id in shown)
              for s in ("met", "short", "yellow", "red")}
    return render_template("indicators/lights.html", level=level, period=period,
                           periods=periods, indicators=library, units=units, cells=cells,
                           counts=counts, levels=LEVELS)


@bp.route("/import", methods=["POST"])
def upload():
    """Check an export from the data platform; nothing is written until it is accepted."""
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("indicators.index")), 303
    file = form.file.data
    name = file.filename or ""
    kind = "xlsx" if name.lower().endswith(".xlsx") else "csv"
    data = file.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        flash(_("The file is too large (at most %(mb)d MB).", mb=10), "error")
        return redirect(url_for("indicators.index")), 303
    try:
        checked = measurements.preview(db.session, measurements.read_table(name, data))
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("indicators.index")), 303
    token = f"{secrets.token_hex(16)}.{kind}"
    (_uploads() / token).write_bytes(data)
    return render_template("indicators/preview.html", checked=checked, token=token, name=name,
                           form=AcceptForm())


@bp.route("/import/accept", methods=["POST"])
def accept():
    """Import the file checked a moment ago, checking it once more against today's data."""
    form = AcceptForm()
    if not form.validate_on_submit() or not (_uploads() / form.token.data).is_file():
        flash(_("The checked file has expired; upload it again."), "error")
        return redirect(url_for("indicators.index")), 303
    token, name = form.token.data, form.name.data
    path = _uploads() / token
    try:
        checked = measurements.preview(db.session, measurements.read_table(token, path.read_bytes()))
        counts = measurements.accept(db.session, checked, current_user, name or token)
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(url_for("indicators.index")), 303
    finally:
        path.unlink(missing_ok=True)
    flash(_("Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged; %(opened)d "
            "warning(s) opened, %(verified)d verified.", **counts), "success")
    return redirect(url_for("indicators.index")), 303


@bp.route("/trend")
def trend():
    """An indicator over the data periods: a unit's values beside the average of all units."""
    code = request.args.get("indicator", "")
    versions = indicators.history(db.session, code)
    if not versions:
        abort(404)
    unit = None
    if request.args.get("unit"):
        unit = db.session.scalar(_supervised(select(OrgUnit).where(
            OrgUnit.code == request.args["unit"])))
        if unit is None:
            abort(404)
    averages = db.session.execute(
        select(Measurement.period_label, func.avg(Measurement.value), func.count())
        .where(Measurement.indicator_code == code)
        .group_by(Measurement.period_label).order_by(Measurement.period_label)).all()
    labels = [label for label, _avg, _n in averages]
    mine = {}
    if unit is not None:
        mine = {m.period_label: m for m in db.session.scalars(
            select(Measurement).where(Measurement.indicator_code == code,
                                      Measurement.unit_id == unit.id))}
    lines = measurements.IndicatorLines(db.session, retired=True)
    latest = lines.for_period(code, labels[-1]) if labels else versions[-1]
    series = [charts.Series(_("Average of all units"),
                            [(label, Decimal(str(avg))) for label, avg, _n in averages])]
    if unit is not None:
        series.insert(0, charts.Series(unit.name, [(label, m.value) for label, m in mine.items()]))
    chart = charts.line_chart(labels, series, {
        "target": (_("Target"), latest.target), "warn": (_("Warning"), latest.warn),
        "severe": (_("Severe"), latest.severe)}, title=f"{latest.code} {latest.name}")
    rows = [(label, mine.get(label), avg, n, lines.for_period(code, label))
            for label, avg, n in averages]
    return render_template("indicators/trend.html", indicator=latest, unit=unit, chart=chart,
                           rows=rows)
