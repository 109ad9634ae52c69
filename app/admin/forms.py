from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class DisableForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
