from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice


class LaunchForm(FlaskForm):
    level = SelectField(_l("Level"), choices=[SelectChoice("major", _l("Major"))])
    period = SelectField(_l("Academic year"), coerce=int, validate_choice=True)
