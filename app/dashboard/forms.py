from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class LaunchForm(FlaskForm):
    level = SelectField(_l("Level"), default="major")
    period = SelectField(_l("Period"), coerce=int, validate_choice=True)
