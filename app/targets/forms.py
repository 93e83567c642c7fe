from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length


class TargetForm(FlaskForm):
    """A unit's own target; the service checks it is SMART and says which part is missing."""

    unit = SelectField(_l("Unit"), coerce=int)
    period = SelectField(_l("Period"), coerce=int)
    indicator = SelectField(_l("Indicator"))
    title = StringField(_l("Title"), validators=[Length(max=200)])
    baseline = StringField(_l("Baseline"), validators=[Length(max=32)])
    value = StringField(_l("Target value"), validators=[Length(max=32)])
    deadline = StringField(_l("Deadline"), validators=[Length(max=10)],
                           render_kw={"type": "date"})


class CascadeForm(FlaskForm):
    """Hand a target down: the units ticked, each with its own value (value-<unit id>)."""

    indicator = SelectField(_l("Indicator for the units below"))
    deadline = StringField(_l("Deadline"), validators=[Length(max=10)],
                           render_kw={"type": "date"})


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required when returning)"), validators=[Length(max=2000)])
