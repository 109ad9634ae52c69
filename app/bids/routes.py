"""Bid on a campaign, compare a campaign's bids, negotiate, accept."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import access
from app.bids import queries, services
from app.bids.fees import bid_fees
from app.bids.forms import SORTS, BidForm, BidSortForm, CounterForm, RejectForm
from app.bids.models import BRAND, BidStatus
from app.campaigns.services import owned_campaign
from app.contracts.reliability import reliability_for
from app.contracts.services import rating_summary
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.forms import form_status, show_errors
from app.money import to_major_text
from app.outcomes.forms import terms_form_data, terms_from_form
from app.profiles.models import KolProfile

bp = Blueprint("bids", __name__)


def _confirmed(form) -> bool:
    """True when the user already saw the fees for exactly this price (the preview step)."""
    return request.form.get("confirm_price", "") == (form.price.data or "").strip()


def _preview(form: BidForm, campaign):
    """The first step checks every field (a past delivery date too), then shows the fees."""
    return services.preview_bid(
        campaign=campaign,
        price=form.price.amount,
        pitch=form.pitch.data or "",
        proposed_delivery=form.proposed_delivery.data,
        **_proposed_extras(_typed_terms(form, campaign.currency)),
    )


def _dates(text: str | None) -> list[str]:
    return [d.strip() for d in (text or "").replace("，", ",").split(",") if d.strip()]


def _show_all_problems(form: BidForm, campaign) -> None:
    """The form's own checks failed: add the service's findings on the other fields, so every
    problem shows at once rather than one submission at a time."""
    extras = _proposed_extras(terms_from_form(form, campaign.currency, {}))
    problems = services.bid_problems(
        campaign, form.price.amount, form.pitch.data or "", form.proposed_delivery.data, **extras
    )
    for name, messages in problems.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = list(field.errors) + messages


@bp.route("/campaigns/<int:campaign_id>/bid", methods=["GET", "POST"])
@access(Role.KOL)
def new_bid(campaign_id: int):
    campaign = queries.campaign_for_bidding(campaign_id, current_user.id)
    existing = queries.active_bid_of(campaign_id=campaign_id, kol_id=current_user.id)
    if existing is not None:
        flash(_("You already bid on this campaign; you can change your bid here."), "info")
        return redirect(url_for("bids.edit", bid_id=existing.id))
    profile = db.session.get(KolProfile, current_user.id)
    form, fees = BidForm(currency=campaign.currency, data=_terms_data(campaign)), None
    if form.validate_on_submit():
        try:
            fees = _preview(form, campaign)
            if _confirmed(form):
                bid = services.create_bid(
                    campaign_id=campaign_id,
                    kol_id=current_user.id,
                    price=form.price.amount,
                    pitch=form.pitch.data,
                    proposed_delivery=form.proposed_delivery.data,
                    terms=_typed_terms(form, campaign.currency),
                    deliverable_due_dates=_dates(form.deliverable_due_dates.data),
                )
                db.session.commit()
                flash(_("Your bid was sent. The brand has been told."), "success")
                return redirect(url_for("bids.detail", bid_id=bid.id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            fees = None
    elif form.is_submitted():
        _show_all_problems(form, campaign)
    status = form_status(form) if profile and profile.is_verified else 403
    return render_template(
        "bids/form.html",
        form=form,
        campaign=campaign,
        fees=fees,
        warning=fees and services.price_warning(campaign, fees.price),
        profile=profile,
        bid=None,
    ), status


@bp.route("/bids/<int:bid_id>/edit", methods=["GET", "POST"])
@access(Role.KOL)
def edit(bid_id: int):
    bid, campaign = queries.visible_bid(bid_id=bid_id, user_id=current_user.id)
    if bid.kol_id != current_user.id:
        abort(404)
    form = BidForm(obj=bid if request.method == "GET" else None, currency=campaign.currency)
    fees = None
    if request.method == "GET":
        form.price.data = to_major_text(bid.price, bid.currency)
        form.process(data={**form.data, **_terms_data(bid)})
    if form.validate_on_submit():
        try:
            fees = _preview(form, campaign)
            if _confirmed(form):
                services.update_bid(
                    bid_id=bid_id,
                    kol_id=current_user.id,
                    price=form.price.amount,
                    pitch=form.pitch.data,
                    proposed_delivery=form.proposed_delivery.data,
                    terms=_typed_terms(form, bid.currency),
                )
                db.session.commit()
                flash(_("Your bid was updated."), "success")
                return redirect(url_for("bids.detail", bid_id=bid_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            fees = None
    elif form.is_submitted():
        _show_all_problems(form, campaign)
    profile = db.session.get(KolProfile, current_user.id)
    return render_template(
        "bids/form.html",
        form=form,
        campaign=campaign,
        fees=fees,
        warning=fees and services.price_warning(campaign, fees.price),
        profile=profile,
        bid=bid,
    ), form_status(form)


@bp.get("/campaigns/<int:campaign_id>/bids")
@access(Role.BRAND)
def campaign_bids(campaign_id: int):
    campaign = owned_campaign(brand_id=current_user.id, campaign_id=campaign_id)
    sort_form = BidSortForm(request.args)
    sort = sort_form.sort.data if sort_form.sort.data in SORTS else "price"
    show = "all" if sort_form.show.data == "all" else "active"
    rows = queries.campaign_bid_rows(
        campaign_id=campaign_id, brand_id=current_user.id, sort=sort, show=show
    )
    return render_template(
        "bids/campaign_bids.html",
        campaign=campaign,
        rows=rows,
        sort_form=sort_form,
        sort=sort,
        show=show,
        fees={r.bid.id: bid_fees(r.bid) for r in rows},
    )


@bp.get("/bids")
@access(Role.BRAND, Role.KOL)
def index():
    status = request.args.get("status") or ""
    page = queries.bids_page(
        user=current_user,
        status=status,
        page=request.args.get("page", 1, type=int),
        cursor=request.args.get("cursor") or None,
    )
    campaigns, profiles = queries.names_for_bids(page.items)
    return render_template(
        "bids/index.html",
        page=page,
        status=status,
        campaigns=campaigns,
        profiles=profiles,
        statuses=[s.value for s in BidStatus],
        my_side=queries.role_side(current_user),
    )


@bp.get("/bids/<int:bid_id>")
@access(Role.BRAND, Role.KOL)
def detail(bid_id: int):
    bid, campaign = queries.visible_bid(bid_id=bid_id, user_id=current_user.id)
    form = CounterForm(currency=bid.currency, data=_terms_data(bid))
    return _render_detail(bid, campaign, form, None)


def _terms_data(holder) -> dict:
    """A bid or counter form starts from the outcome terms on the table (GET only)."""
    return terms_form_data(holder, holder.currency) if request.method == "GET" else {}


def _proposed_extras(terms: dict, bid=None) -> dict:
    """The cap and licence fee a form proposes (a bid's own when the form leaves them out)."""
    return {
        "cap": terms.get("outcome_cap", bid.outcome_cap if bid else None),
        "licence_fee": terms.get("licence_fee", bid.licence_fee if bid else None),
    }


def _typed_terms(form, currency: str) -> dict:
    """The outcome terms typed in a bid or counter form (ValidationFailed names the field)."""
    errors: dict = {}
    terms = terms_from_form(form, currency, errors)
    if errors:
        raise ValidationFailed(errors)
    return terms


def _render_detail(bid, campaign, counter_form, counter_fees, status: int = 200):
    side = queries.side_of(bid, campaign, current_user)
    counterpart = bid.kol_id if side == BRAND else campaign.brand_id
    return render_template(
        "bids/detail.html",
        bid=bid,
        campaign=campaign,
        side=side,
        profile=db.session.get(KolProfile, bid.kol_id),
        fees=bid_fees(bid),
        counter_form=counter_form,
        counter_fees=counter_fees,
        reject_form=RejectForm(),
        contract_id=queries.contract_id_for_bid(bid.id),
        confirm_form=ConfirmForm(),
        reliability=reliability_for([counterpart]).get(counterpart),
        rating=rating_summary([counterpart]).get(counterpart),
    ), status


@bp.route("/bids/<int:bid_id>/accept", methods=["GET", "POST"])
@access(Role.BRAND, Role.KOL)
def accept(bid_id: int):
    bid, campaign = queries.visible_bid(bid_id=bid_id, user_id=current_user.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        # A refusal (budget spent, already accepted, not your turn) shows as a 409 page.
        contract = services.accept_bid(bid_id=bid_id, user_id=current_user.id)
        db.session.commit()
        flash(_("Deal agreed. The contract is ready."), "success")
        return redirect(url_for("contracts.detail", contract_id=contract.id))
    side = queries.side_of(bid, campaign, current_user)
    counterpart = bid.kol_id if side == BRAND else campaign.brand_id
    return render_template(
        "bids/accept.html",
        bid=bid,
        campaign=campaign,
        side=side,
        form=form,
        fees=bid_fees(bid),
        reliability=reliability_for([counterpart]).get(counterpart),
        rating=rating_summary([counterpart]).get(counterpart),
        profile=db.session.get(KolProfile, bid.kol_id),
    )


@bp.post("/bids/<int:bid_id>/counter")
@access(Role.BRAND, Role.KOL)
def counter(bid_id: int):
    bid, campaign = queries.visible_bid(bid_id=bid_id, user_id=current_user.id)
    form, fees = CounterForm(currency=bid.currency), None
    try:
        # Whose turn it is comes first (CSRFProtect checked the token before the view ran):
        # the side that waits is not shown the form, so it hears why, not about a price.
        services.check_may_answer(bid_id=bid_id, user_id=current_user.id)
        if form.validate():
            fees = services.preview_fees(
                price=form.price.amount,
                currency=bid.currency,
                **_proposed_extras(_typed_terms(form, bid.currency), bid),
            )
            if _confirmed(form):
                services.counter_bid(
                    bid_id=bid_id,
                    user_id=current_user.id,
                    price=form.price.amount,
                    message=form.message.data or "",
                    terms=_typed_terms(form, bid.currency),
                )
                db.session.commit()
                flash(_("Counter-offer sent."), "success")
                return redirect(url_for("bids.detail", bid_id=bid_id))
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        if not error.fields:
            flash(error.message, "error")  # e.g. not your turn: the counter form is hidden
        fees = None
        bid, campaign = queries.visible_bid(bid_id=bid_id, user_id=current_user.id)
    return _render_detail(bid, campaign, form, fees, form_status(form))


@bp.post("/bids/<int:bid_id>/reject")
@access(Role.BRAND, Role.KOL)
def reject(bid_id: int):
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    services.reject_bid(bid_id=bid_id, user_id=current_user.id, reason=form.reason.data or "")
    db.session.commit()
    flash(_("The bid was declined and the other side told."), "info")
    return redirect(url_for("bids.detail", bid_id=bid_id))


@bp.post("/bids/<int:bid_id>/withdraw")
@access(Role.KOL)
def withdraw(bid_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.withdraw_bid(bid_id=bid_id, kol_id=current_user.id)
    db.session.commit()
    flash(_("Your bid was withdrawn."), "info")
    return redirect(url_for("bids.detail", bid_id=bid_id))


BID_STATUS_LABELS = {
    "pending": _l("Waiting for the brand"),
    "countered": _l("Countered"),
    "accepted": _l("Accepted"),
    "rejected": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}


@bp.app_context_processor
def bid_labels():
    return {"BID_STATUS_LABELS": BID_STATUS_LABELS}


@bp.app_template_global()
def bid_status_label(bid) -> str:
    """The status in words, saying whose turn it is while the negotiation is open."""
    if bid.status == BidStatus.COUNTERED:
        return str(
            _l("Countered — waiting for the brand")
            if bid.turn == "brand"
            else _l("Countered — waiting for the KOL")
        )
    return str(BID_STATUS_LABELS.get(str(bid.status), str(bid.status)))


@bp.app_template_global()
def fee_percent(basis_points: int) -> str:
    """500 → '5', 250 → '2.5' (basis points as a percentage, without float noise)."""
    whole, rest = divmod(int(basis_points), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)
