from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length


def _id(value) -> int | None:
    """A row id from a select, or None (a database integer holds no more than 2**31 - 1)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 10 else None


class TargetForm(FlaskForm):
    """A unit's own target. The form says at once what is missing; the service checks the rest
    (SMART, and that the person may set targets for the unit)."""

    unit = SelectField(_l("Unit"), coerce=_id, validate_choice=False,
                       validators=[InputRequired(message=_l("Choose the unit."))])
    period = SelectField(_l("Period"), coerce=_id, validate_choice=False,
                         validators=[InputRequired(message=_l("Choose the academic year."))])
    indicator = SelectField(_l("Indicator"), validate_choice=False, validators=[
        InputRequired(message=_l("Choose the indicator that measures this target."))])
    title = StringField(_l("Title"), validators=[Length(max=200)])
    baseline = StringField(_l("Baseline"), validators=[Length(max=32)])
    value = StringField(_l("Target value"), validators=[
        InputRequired(message=_l("Give the target value as a number.")), Length(max=32)])
    deadline = StringField(_l("Deadline"), validators=[
        InputRequired(message=_l("Give the deadline by which the target is to be met.")),
        Length(max=10)], render_kw={"type": "date"})


class CascadeForm(FlaskForm):
    """Hand a target down: the units ticked, each with its own value (value-<unit id>)."""

    indicator = SelectField(_l("Indicator for the units below"), validate_choice=False)
    deadline = StringField(_l("Deadline"), validators=[Length(max=10)],
                           render_kw={"type": "date"})


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required when returning)"), validators=[Length(max=2000)])
