"""The message form (text and an optional attachment) and the rating form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import options


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=5000)])
    attachment = FileField(
        _l("Attachment (optional)"),
        description=_l(
            "A JPEG, PNG or WebP image, or a PDF up to 10 MB. Only you two can open it."
        ),
    )


class RatingForm(FlaskForm):
    stars = SelectField(
        _l("Stars"),
        choices=options([(str(n), "★" * n) for n in range(5, 0, -1)]),
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
