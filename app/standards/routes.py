"""The standard chain: every member of staff reads it; the quality office keeps it."""
from __future__ import annotations

import io

from flask import (abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app import access
from app.labels import LEVEL_LABELS
from app.extensions import db
from app.i18n import translate
from app.models import Standard
from app.services import catalog, indicators, standards
from app.services.errors import Invalid
from app.services.cycles import LEVELS
from app.standards import bp
from workflows import Refused
from workflows.model import N_

KIND_LABELS = {"plan": _l("Plan"), "resource": _l("Resource"), "action": _l("Action"),
               "result": _l("Result")}


class StandardForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=16)])
    level = SelectField(_l("Level"),
                        choices=[SelectChoice(lv, _l(LEVEL_LABELS[lv])) for lv in LEVELS])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    name = StringField(_l("Standard"), validators=[DataRequired(), Length(max=200)])
    requirement = TextAreaField(_l("Requirement"), validators=[Length(max=4000)])
    indicator_codes = StringField(_l("Measured by (indicator codes, comma-separated)"),
                                  validators=[Length(max=200)])


@bp.before_request
@login_required
def _signed_in():
    pass


def _keeper_only():
    if not access.has_college_role(current_user, "quality_office", "admin"):
        abort(403)


@bp.route("/")
def index():
    level = request.args.get("level", "major")
    if level not in LEVELS:
        abort(404)
    lines = {i.code: i for i in indicators.current(db.session, level)}
    return render_template("standards/index.html", level=level, levels=LEVELS,
                           standards=standards.of_level(db.session, level), lines=lines,
                           kinds=KIND_LABELS,
                           may_edit=access.has_college_role(current_user, "quality_office",
                                                            "admin"))


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<code>", methods=["GET", "POST"])
def edit(code=None):
    _keeper_only()
    standard = None
    if code is not None:
        standard = db.session.scalar(select(Standard).where(Standard.code == code))
        if standard is None:
            abort(404)
    form = StandardForm(obj=standard if request.method == "GET" else None)
    if standard is not None:
        del form.code, form.level
    if form.validate_on_submit():
        try:
            saved = standards.save(
                db.session, current_user, form.code.data if standard is None else standard.code,
                form.level.data if standard is None else standard.level, form.kind.data,
                form.name.data, form.requirement.data or "", form.indicator_codes.data or "",
                standard)
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
        else:
            flash(_("Standard %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("standards.index", level=saved.level)), 303
    status = 422 if request.method == "POST" else 200
    return render_template("standards/edit.html", form=form, standard=standard), status


class CatalogueForm(FlaskForm):
    file = FileField(validators=[FileRequired()])
    note = StringField(_l("What changed"), validators=[Length(max=200)])


@bp.route("/catalogue", methods=["GET", "POST"])
def catalogue():
    """The diagnosis catalogue: everyone reads it; the quality office imports a new version."""
    form = CatalogueForm()
    errors, status = [], 200
    if request.method == "POST":
        _keeper_only()
        if not form.validate_on_submit():
            flash(_("Choose a file to upload."), "error")
            return redirect(url_for("standards.catalogue")), 303
        data = form.file.data.stream.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
        try:
            if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
                raise Invalid(N_("The file is too large (at most %(mb)d MB)."), mb=10)
            made, errors = catalog.import_table(db.session, current_user,
                                                form.file.data.filename or "", data,
                                                form.note.data or "")
        except Refused as exc:
            db.session.rollback()
            flash(translate(exc.message, exc.params), "error")
            return redirect(url_for("standards.catalogue")), 303
        if not errors:
            flash(_("Saved as version %(version)d.", version=made.version) if made
                  else _("Nothing changed."), "success")
            return redirect(url_for("standards.catalogue")), 303
        status = 422
    current = catalog.current(db.session)
    return render_template("standards/catalogue.html", catalogue=current,
                           points=catalog.points(current.data if current else None),
                           versions=catalog.versions(db.session), form=form, errors=errors,
                           level_names=catalog.LEVEL_NAMES,
                           may_edit=access.has_college_role(current_user, "quality_office",
                                                            "admin")), status


@bp.route("/catalogue.xlsx")
def export_catalogue():
    return send_file(io.BytesIO(catalog.export_xlsx(db.session)), as_attachment=True,
                     download_name=_("diagnosis catalogue") + ".xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
