"""The indicator library and measurement imports, for the quality office."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp
from sqlalchemy import select

from app import access
from app.extensions import db
from app.i18n import translate
from app.indicators import bp
from app.models import Indicator, Measurement, OrgUnit
from app.services.cycles import LEVELS
from app.services import measurements
from workflows import Refused

class ImportForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


class AcceptForm(FlaskForm):
    token = StringField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}\.(csv|xlsx)$")])
    name = StringField(validators=[Length(max=200)])


@bp.before_request
@login_required
def _only_the_quality_office():
    if not access.has_college_role(current_user, "quality_office", "admin"):
        abort(403)


def _uploads() -> Path:
    path = Path(current_app.config["ATTACHMENTS_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.route("/")
def index():
    rows = db.session.scalars(select(Indicator).order_by(Indicator.level, Indicator.code,
                                                         Indicator.version)).all()
    return render_template("indicators/index.html", indicators=rows, form=ImportForm())


@bp.route("/lights")
def lights():
    """The traffic-light matrix: each unit's latest values of a level's indicators in a period."""
    level = request.args.get("level", "major")
    periods = db.session.scalars(select(Measurement.period_label).distinct()
                                 .order_by(Measurement.period_label.desc())).all()
    period = request.args.get("period") or (periods[0] if periods else "")
    indicators = db.session.scalars(select(Indicator).where(Indicator.level == level,
                                                            Indicator.active.is_(True))
                                    .order_by(Indicator.code)).all()
    values = db.session.execute(
        select(Measurement.unit_id, Measurement.indicator_code, Measurement.value,
               Measurement.status)
        .where(Measurement.period_label == period,
               Measurement.indicator_code.in_([i.code for i in indicators]))).all()
    cells = {(unit_id, code): (value, status) for unit_id, code, value, status in values}
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_({unit_id for unit_id, _code in cells})).order_by(OrgUnit.path)).all()
    counts = {s: sum(1 for _v, st in cells.values() if st == s)
              for s in ("met", "short", "yellow", "red")}
    return render_template("indicators/lights.html", level=level, period=period,
                           periods=periods, indicators=indicators, units=units, cells=cells,
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
    flash(_("Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.", **counts),
          "success")
    return redirect(url_for("indicators.index")), 303
