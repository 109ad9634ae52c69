from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from app.text import clean_text


class DisableForm(FlaskForm):
    # Cleaned here: the reason is stored on the user and in the audit log (no NUL or control
    # characters, which PostgreSQL refuses with a 500).
    reason = StringField(
        _l("Reason"), validators=[Length(max=500)], filters=[lambda v: clean_text(v, 500)]
    )
