"""The fill-in form of a stage, built from its definition; typed checks live in workflows.forms."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.fields.choices import SelectChoice

BLANK_ROWS = 5  # and a button adds more (static/spiral.js)


def _field(definition_field):
    label = _(definition_field.label)
    if definition_field.type == "choice":
        choices = [SelectChoice("", "—")] + [SelectChoice(v, _(label_))
                                             for v, label_ in definition_field.choices]
        return SelectField(label, choices=choices, validate_choice=False)
    if definition_field.multiline:
        return TextAreaField(label)
    kind = {"number": "text", "date": "date"}.get(definition_field.type, "text")
    attrs = {"type": kind}
    if definition_field.type == "number":
        attrs["inputmode"] = "decimal"
    return StringField(label, render_kw=attrs)


def fill_form(stage, data=None, formdata=None):
    """A FlaskForm for `stage`, pre-filled with `data` (the latest version) when given."""
    attrs = {}
    for field in stage.form:
        if field.type == "table":
            row = type(f"{field.name.title()}Row", (Form,), {c.name: _field(c) for c in field.columns})
            rows = len((data or {}).get(field.name) or []) + BLANK_ROWS
            attrs[field.name] = FieldList(FormField(row), label=_(field.label), min_entries=rows,
                                          max_entries=200)
        else:
            attrs[field.name] = _field(field)
    form_class = type("FillForm", (FlaskForm,), attrs)
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=_as_strings(data or {}))


def _as_strings(data):
    out = {}
    for key, value in data.items():
        if isinstance(value, list):
            out[key] = [{k: "" if v is None else str(v) for k, v in row.items()} for row in value]
        else:
            out[key] = "" if value is None else str(value)
    return out


def error_label(stage, path: str) -> str:
    """A person's name for an error path: "targets[2].baseline" → "Targets, row 2, Baseline"."""
    name, _sep, rest = path.partition("[")
    fields = {f.name: f for f in stage.form}
    field = fields.get(name)
    if field is None:
        return path
    if not rest:
        return _(field.label)
    row, _sep, column = rest.partition("]")
    columns = {c.name: c for c in field.columns}
    column_label = _(columns[column.lstrip(".")].label) if column.lstrip(".") in columns else ""
    return _("%(table)s, row %(row)s, %(column)s", table=_(field.label), row=row,
             column=column_label)


_FIELD_NAME = re.compile(r"csrf_token|[a-z_]+(-[0-9]{1,3}-[a-z_]+)?", re.ASCII)


def form_fields(formdata: MultiDict) -> MultiDict:
    """Only keys shaped like the form's own fields reach WTForms (it chokes on '-²-')."""
    return MultiDict([(k, v) for k, v in formdata.items(multi=True) if _FIELD_NAME.fullmatch(k)])


def submitted_fields(form, stage) -> dict:
    """The raw values of the form, shaped as the API's `fields` object."""
    return {f.name: form[f.name].data for f in stage.form}


class StandInForm(FlaskForm):
    """Name a deputy for a range of days (代理)."""

    deputy = StringField(_l("Deputy's staff number"), validators=[DataRequired(), Length(max=64)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])
