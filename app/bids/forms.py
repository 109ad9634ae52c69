"""Bid, counter-offer and rejection forms (amounts typed in major units of the currency)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import MoneyField, options
from app.outcomes.forms import NegotiableTermsFields


class _PriceForm(FlaskForm):
    """A form whose ``price`` is typed in ``currency`` (the campaign's): ``price.amount`` is
    what the bid services take, in minor units."""

    price: MoneyField

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.price.currency = currency


class BidForm(NegotiableTermsFields, _PriceForm):
    price = MoneyField(_l("Your price"), validators=[DataRequired(), Length(max=20)])
    pitch = TextAreaField(
        _l("Pitch"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Why you fit this campaign: audience, past work, your idea for the note."),
    )
    proposed_delivery = DateField(_l("Delivery date"), validators=[DataRequired()])
    deliverable_due_dates = StringField(
        _l("Due dates per deliverable (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "In order, e.g. 2027-01-05, 2027-01-19; the rest are due on the date above."
        ),
    )


class CounterForm(NegotiableTermsFields, _PriceForm):
    price = MoneyField(_l("Your counter-offer"), validators=[DataRequired(), Length(max=20)])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


SORTS = {
    "price": _l("Lowest price"),
    "-price": _l("Highest price"),
    "followers": _l("Most followers"),
    "rating": _l("Best rated"),
    "reliability": _l("Most reliable"),
    "newest": _l("Newest"),
}


class BidSortForm(FlaskForm):
    class Meta:
        csrf = False

    sort = SelectField(_l("Sort by"), choices=options(SORTS), default="price")
    show = SelectField(
        _l("Show"),
        choices=options({"active": _l("Open bids"), "all": _l("All bids")}),
        default="active",
    )
