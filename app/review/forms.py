from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment (required when returning)"),
                            validators=[Length(max=2000)])
