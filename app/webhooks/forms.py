"""The webhook endpoint form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from app.profiles.forms import MultiCheckboxField
from app.webhooks.services import EVENTS


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Endpoint URL"),
        validators=[Length(max=500)],
        description=_l("Your server's address that receives the events (https://…)."),
    )
    events = MultiCheckboxField(_l("Events"), choices=list(EVENTS.items()))


class ActionForm(FlaskForm):
    """A button that posts (enable, disable, delete): the CSRF token only."""
