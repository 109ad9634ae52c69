"""Forms of the social side: comments, reports, wishlist boards."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.engagement.comments import BODY_MAX, REASON_MAX


class CommentForm(FlaskForm):
    # Lengths are checked by the service after cleaning, so the error names the field either way.
    body = TextAreaField(
        _l("Comment"),
        render_kw={"maxlength": BODY_MAX, "rows": 3},
        description=_l("Plain text, up to %(n)d characters.", n=BODY_MAX),
    )
    parent_id = HiddenField(validators=[Optional()])


class ReportForm(FlaskForm):
    reason = StringField(
        _l("Why should an admin look at this comment?"), render_kw={"maxlength": REASON_MAX}
    )


class BoardForm(FlaskForm):
    name = StringField(_l("Board name"), render_kw={"maxlength": 60})
    is_private = BooleanField(_l("Private (only you can see it)"), default=True)


class MoveSaveForm(FlaskForm):
    board_id = SelectField(_l("Board"), choices=[], validate_choice=False)
