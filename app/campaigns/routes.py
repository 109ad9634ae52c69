"""Web pages of the campaigns feature: the brand's campaigns, browsing, KOL search, invitations."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import viewer_cache
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.campaigns import discovery, queries, services
from app.campaigns.forms import (
    FORMATS,
    CampaignForm,
    CancelForm,
    InviteForm,
    browse_filters,
    campaign_values,
    form_data_for,
    kol_filters,
)
from app.campaigns.invitations import invitations_for, invite_kol, unseen_invitation_count
from app.campaigns.queries import BrowseFilters
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.forms import form_status, show_errors
from app.notes.queries import recent_covers
from app.profiles.audience import audience_quality
from app.profiles.models import BrandProfile, KolProfile
from app.recommend.queries import kols_for_brand
from app.status import history
from app.text import render_markdown

bp = Blueprint("campaigns", __name__)
PER_PAGE = 20


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _per_page() -> int:
    return max(1, min(request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE, 100))


def _signed_in_kol() -> KolProfile | None:
    if current_user.is_authenticated and current_user.role == Role.KOL:
        return queries.kol_for_fit(current_user.id)
    return None


def _bid_endpoint() -> bool:
    """The bids feature adds ``bids.new_bid``; until it exists there is no bid button."""
    return "bids.new_bid" in current_app.view_functions


# --- brand: create, edit, list, act -------------------------------------------------------


@bp.route("/campaigns/new", methods=["GET", "POST"])
@access(Role.BRAND)
def new():
    profile = db.session.get(BrandProfile, current_user.id)
    form = CampaignForm(data=form_data_for(None, profile.currency if profile else "usd"))
    if form.validate_on_submit():
        try:
            campaign = services.create_campaign(
                brand_id=current_user.id, values=campaign_values(form), cover=form.cover.data
            )
            db.session.commit()
            flash(_("Draft saved. Preview it, then publish when ready."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("campaigns/form.html", form=form, campaign=None), form_status(form)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@access(Role.BRAND)
def edit(campaign_id: int):
    campaign = services.owned_campaign(brand_id=current_user.id, campaign_id=campaign_id)
    form = CampaignForm(data=form_data_for(campaign))
    if campaign.status != "draft":
        flash(_("Only a draft can be edited. Duplicate it to change the terms."), "info")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    if form.validate_on_submit():
        try:
            services.update_campaign(
                brand_id=current_user.id,
                campaign_id=campaign_id,
                values=campaign_values(form),
                cover=form.cover.data,
            )
            db.session.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("campaigns/form.html", form=form, campaign=campaign), form_status(form)


@bp.get("/campaigns/mine")
@access(Role.BRAND)
def mine():
    status = request.args.get("status", "")
    page = queries.brand_campaigns(brand_id=current_user.id, status=status, page=_page())
    return render_template(
        "campaigns/mine.html",
        page=page,
        status=status,
        tab_counts=queries.status_counts(current_user.id),
        counts=queries.activity_counts([c.id for c in page.items]),
    )


ACTIONS = {
    "publish": (services.publish_campaign, _l("Campaign published: KOLs can now find it.")),
    "close": (services.close_campaign, _l("Applications closed.")),
    "reopen": (services.reopen_campaign, _l("Applications reopened.")),
}


def _act(campaign_id: int, action: str):
    if not CancelForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
    service, message = ACTIONS[action]
    try:
        service(brand_id=current_user.id, campaign_id=campaign_id)
    except ValidationFailed as error:  # an incomplete draft: say what is missing
        db.session.rollback()
        details = [m for ms in error.fields.values() for m in ms]
        flash(" ".join([error.message, *details]), "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign_id))
    db.session.commit()
    flash(str(message), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/publish")
@access(Role.BRAND)
def publish(campaign_id: int):
    return _act(campaign_id, "publish")


@bp.post("/campaigns/<int:campaign_id>/close")
@access(Role.BRAND)
def close(campaign_id: int):
    return _act(campaign_id, "close")


@bp.post("/campaigns/<int:campaign_id>/reopen")
@access(Role.BRAND)
def reopen(campaign_id: int):
    return _act(campaign_id, "reopen")


@bp.post("/campaigns/<int:campaign_id>/cancel")
@access(Role.BRAND)
def cancel(campaign_id: int):
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel_campaign(
            brand_id=current_user.id, campaign_id=campaign_id, reason=form.reason.data
        )
        db.session.commit()
        flash(_("Campaign cancelled."), "info")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/duplicate")
@access(Role.BRAND)
def duplicate(campaign_id: int):
    if not CancelForm().validate_on_submit():
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
    copy = services.duplicate_campaign(brand_id=current_user.id, campaign_id=campaign_id)
    db.session.commit()
    flash(_("A draft copy was made. Check the dates, then publish it."), "success")
    return redirect(url_for("campaigns.edit", campaign_id=copy.id))


# --- everyone: the campaign page, browsing -------------------------------------------------


@bp.get("/campaigns/<int:campaign_id>")
@access(PUBLIC)
def detail(campaign_id: int):
    user_id = current_user.id if current_user.is_authenticated else None
    campaign = services.visible_campaign(campaign_id=campaign_id, user_id=user_id)
    owner = campaign.brand_id == user_id
    kol = _signed_in_kol()
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        brief_html=render_markdown(campaign.brief),
        brand_name=queries.brand_names([campaign.brand_id]).get(campaign.brand_id, ""),
        owner=owner,
        counts=queries.activity_counts([campaign.id])[campaign.id] if owner else None,
        timeline=history("campaign", campaign.id) if owner else [],
        missing=services.missing_for_publishing(campaign) if owner else {},
        fit=queries.assess(campaign, kol),
        kol=kol,
        can_bid=_bid_endpoint(),
        action_form=CancelForm(),
    )


@bp.get("/campaigns")
@access(PUBLIC)
def browse():
    """Open campaigns. A signed-in KOL's page (their fits, their sort) is cached for them
    (app/viewer_cache.py viewer_page): paging back and forth or reloading costs no query but
    the session's own."""
    html = viewer_cache.viewer_page(("campaigns.browse", request.query_string), _browse)
    return html if html is not None else _browse()


def _browse() -> str:
    kol = _signed_in_kol()
    try:
        filters = browse_filters(
            request.args, minor_units=False, default_sort="fits" if kol else "newest"
        )
    except DomainError as error:
        for messages in error.fields.values():
            flash(" ".join(messages), "error")
        filters = BrowseFilters(sort="fits" if kol else "newest")
    viewer = current_user.id if current_user.is_authenticated else None
    page = queries.browse_campaigns(
        filters=filters, kol=kol, page=_page(), per_page=_per_page(), viewer_id=viewer
    )
    return render_template(
        "campaigns/browse.html",
        page=page,
        filters=filters,
        args={k: v for k, v in request.args.items() if k != "page"},
        fits={c.id: queries.assess(c, kol) for c in page.items},
        brands=queries.brand_names(c.brand_id for c in page.items),
        kol=kol,
        unseen=unseen_invitation_count(kol.user_id) if kol else 0,
        can_bid=_bid_endpoint(),
        FORMATS=FORMATS,
    )


@bp.get("/campaigns/invitations")
@access(Role.KOL)
def invitations():
    invited = invitations_for(kol_id=current_user.id)
    db.session.commit()
    return render_template(
        "campaigns/invitations.html",
        invitations=invited,
        brands=queries.brand_names(i.campaign.brand_id for i in invited),
        can_bid=_bid_endpoint(),
    )


# --- brand: find and invite KOLs -----------------------------------------------------------


@bp.get("/kols")
@access(PUBLIC)
def kol_search():
    """Verified KOLs' public profiles, for everyone: what the search shows (name, niches,
    followers an admin checked, rate card, rating, track record) is on each public KOL page
    already; inviting and shortlisting stay with brands."""
    try:
        filters = kol_filters(request.args)
    except DomainError as error:
        for messages in error.fields.values():
            flash(" ".join(messages), "error")
        filters = discovery.KolFilters()
    page = discovery.search_kols(filters=filters, page=_page(), per_page=_per_page())
    return render_template(
        "campaigns/kols.html",
        page=page,
        audience=audience_quality(row.profile.user_id for row in page.items),
        covers=recent_covers(row.profile.user_id for row in page.items),
        filters=filters,
        args={k: v for k, v in request.args.items() if k != "page"},
        FORMATS=FORMATS,
    )


@bp.get("/kols/like-sold")
@access(Role.BRAND)
def kols_like_sold():
    """KOLs like the ones whose notes sold for this brand (app/recommend/brands.py)."""
    suggestions = kols_for_brand(current_user.id)
    audience = audience_quality(s.kol_id for s in suggestions)
    return render_template("recommend/sold_like.html", suggestions=suggestions, audience=audience)


@bp.route("/kols/<int:kol_id>/invite", methods=["GET", "POST"])
@access(Role.BRAND)
def invite(kol_id: int):
    kol = db.session.get(KolProfile, kol_id)
    if kol is None or not kol.is_verified:
        abort(404)
    form = InviteForm()
    form.campaign_id.choices = [(c.id, c.title) for c in queries.open_campaigns_of(current_user.id)]
    if form.validate_on_submit():
        try:
            invite_kol(
                brand_id=current_user.id,
                campaign_id=form.campaign_id.data,
                kol_id=kol_id,
                message=form.message.data,
            )
            db.session.commit()
            flash(_("%(name)s is invited.", name=kol.display_name), "success")
            return redirect(url_for("profiles.kol_page", kol_id=kol_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("campaigns/invite.html", form=form, kol=kol), form_status(form)
