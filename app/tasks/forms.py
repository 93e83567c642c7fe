"""The fill-in form of a stage, built from its definition; typed checks live in workflows.forms."""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField

BLANK_ROWS = 3


def _field(definition_field):
    label = _(definition_field.label)
    if definition_field.type == "choice":
        choices = [("", "—")] + [(v, _(label_)) for v, label_ in definition_field.choices]
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


def submitted_fields(form, stage) -> dict:
    """The raw values of the form, shaped as the API's `fields` object."""
    return {f.name: form[f.name].data for f in stage.form}
