from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


class ActForm(FlaskForm):
    """Acknowledge (no fields), give the measure and its deadline, or close with evidence."""

    measure = TextAreaField(_l("Rectification measure"), validators=[Length(max=4000)])
    deadline = StringField(_l("Rectify by"), render_kw={"type": "date"})  # checked as a date
    evidence = TextAreaField(_l("Evidence that it is fixed"), validators=[Length(max=4000)])
