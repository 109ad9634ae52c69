"""/api/v1 endpoints for campaigns (same services and rules as the web pages).

Amounts are integers in the currency's minor unit; datetimes are ISO 8601 (UTC when no offset).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from app import media, media_store, viewer_cache
from app.api import deal_lists
from app.api.auth import api_access, api_user
from app.api.campaign_schemas import CampaignInput, CampaignList, CampaignQuery, CampaignSchema
from app.api.outcome_schemas import terms_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.authz import SIGNED_IN
from app.campaigns import queries, services
from app.campaigns import values as campaign_fields
from app.campaigns.forms import browse_filters
from app.campaigns.models import Campaign
from app.campaigns.queries import Fit
from app.extensions import db
from app.pagination import page_json
from app.profiles.models import KolProfile
from app.text import render_markdown


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def campaign_json(campaign: Campaign, fit: Fit | None = None) -> dict[str, Any]:
    body = {
        "id": campaign.id,
        "brand_id": campaign.brand_id,
        "status": str(campaign.status),
        "title": campaign.title,
        "brief": campaign.brief,
        "brief_html": render_markdown(campaign.brief),
        "product_name": campaign.product_name,
        "product_url": campaign.product_url,
        "cover_image_url": media_store.public_url(campaign.cover_image, external=True)
        if campaign.cover_image
        else None,
        "cover_image": media.image_json(
            campaign.cover_image, campaign.cover_width, campaign.cover_height, external=True
        )
        if campaign.cover_image
        else None,
        "category": campaign.category,
        "content_format": str(campaign.content_format),
        "notes_wanted": campaign.notes_wanted,
        "currency": campaign.currency,
        "budget": campaign.budget,
        "price_min": campaign.price_min,
        "price_max": campaign.price_max,
        "committed_amount": campaign.committed_amount,
        "committed_notes": campaign.committed_notes,
        "min_followers": campaign.min_followers,
        "required_hashtags": campaign.hashtags,
        "required_mentions": campaign.mentions,
        "revision_rounds": campaign.revision_rounds,
        "review_window_days": campaign.review_window_days,
        "keep_live_days": campaign.keep_live_days,
        "attribution_days": campaign.attribution_days,
        "usage_rights": campaign.usage_rights,
        "deliverable_kinds": campaign.deliverable_plan,
        "invite_only": campaign.invite_only,
        "application_deadline": _iso(campaign.application_deadline),
        "delivery_deadline": _iso(campaign.delivery_deadline),
        "created_at": _iso(campaign.created_at),
        "published_at": _iso(campaign.published_at),
    }
    body.update(terms_json(campaign))  # outcome terms and licence (app/outcome_terms.py)
    for field, kind in campaign_fields.TARGET_KINDS.items():
        body[field] = campaign.targets_of(kind)
    if fit is not None:
        body["fit"] = {
            "qualifies": fit.qualifies,
            "score": fit.score,
            "reasons": fit.matches,
            "blockers": fit.blockers,
        }
    return body


def _caller_kol() -> KolProfile | None:
    user = api_user()
    return queries.kol_for_fit(user.id) if user.role == Role.KOL else None


@bp.get("/campaigns")
@deal_lists.served_to_caller_first("api.campaigns")
@api_access(SIGNED_IN)
@bp.doc(operationId="listCampaigns", summary="Open campaigns (KOL callers get their fit)")
@bp.arguments(CampaignQuery, location="query")
@bp.response(200, CampaignList)
def list_campaigns(args: dict):
    """Cached per caller (app/viewer_cache.py ``viewer_data``): a KOL's fits are computed once per
    change of the campaigns, of their profile or of their own state, not on every request."""
    user_id = api_user().id

    def build() -> bytes:
        kol = _caller_kol()
        filters = browse_filters(
            request.args, minor_units=True, default_sort="fits" if kol else "newest"
        )
        result = queries.browse_campaigns(
            filters=filters,
            kol=kol,
            page=args["page"],
            per_page=args["per_page"],
            viewer_id=user_id,
        )
        items = [campaign_json(c, queries.assess(c, kol) if kol else None) for c in result.items]
        return jsonify(CampaignList().dump(page_json(result, items))).get_data()

    body = viewer_cache.viewer_data(user_id, ("api.campaigns", request.query_string), build)
    return current_app.response_class(body, mimetype="application/json")


@bp.post("/campaigns")
@api_access(Role.BRAND)
@bp.doc(operationId="createCampaign", summary="Create a draft campaign (brands)")
@bp.arguments(CampaignInput)
@bp.response(201, CampaignSchema)
def create_campaign(values: dict):
    campaign = services.create_campaign(brand_id=api_user().id, values=values)
    db.session.commit()
    return campaign_json(campaign)


@bp.get("/campaigns/<int:campaign_id>")
@api_access(SIGNED_IN)
@bp.doc(operationId="getCampaign", summary="One campaign (drafts only to their brand)")
@bp.response(200, CampaignSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such campaign")
def get_campaign(campaign_id: int):
    campaign = services.visible_campaign(campaign_id=campaign_id, user_id=api_user().id)
    kol = _caller_kol()
    return campaign_json(campaign, queries.assess(campaign, kol) if kol else None)


@bp.patch("/campaigns/<int:campaign_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="updateCampaign", summary="Change a draft (brands; any subset of fields)")
@bp.arguments(CampaignInput)
@bp.response(200, CampaignSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such campaign")
@bp.alt_response(409, schema=ErrorSchema, description="Not a draft")
def update_campaign(changes: dict, campaign_id: int):
    current = services.owned_campaign(brand_id=api_user().id, campaign_id=campaign_id)
    values = {**campaign_fields.campaign_values(current), **changes}
    campaign = services.update_campaign(
        brand_id=api_user().id, campaign_id=campaign_id, values=values
    )
    db.session.commit()
    return campaign_json(campaign)


ACTIONS = {
    "publish": services.publish_campaign,
    "close": services.close_campaign,
    "reopen": services.reopen_campaign,
    "cancel": services.cancel_campaign,
}


def _move(campaign_id: int, action: str) -> dict[str, Any]:
    campaign = ACTIONS[action](brand_id=api_user().id, campaign_id=campaign_id)
    db.session.commit()
    return campaign_json(campaign)


def _action_route(action: str, summary: str) -> None:
    def view(campaign_id: int):
        return _move(campaign_id, action)

    view.__name__ = f"{action}_campaign"
    view = bp.alt_response(409, schema=ErrorSchema, description="Illegal transition")(view)
    view = bp.alt_response(404, schema=ErrorSchema, description="No such campaign")(view)
    view = bp.response(200, CampaignSchema, description="The campaign after the move")(view)
    view = bp.doc(operationId=f"{action}Campaign", summary=summary)(view)
    bp.post(f"/campaigns/<int:campaign_id>/{action}")(api_access(Role.BRAND)(view))


for _action, _summary in (
    ("publish", "Publish a complete draft: draft → open"),
    ("close", "Close applications: open → closed"),
    ("reopen", "Reopen applications: closed → open"),
    ("cancel", "Cancel: draft, open or closed → cancelled"),
):
    _action_route(_action, _summary)


@bp.post("/campaigns/<int:campaign_id>/duplicate")
@api_access(Role.BRAND)
@bp.doc(
    operationId="duplicateCampaign",
    summary="A new draft with the same terms (deadlines that have passed must be set again)",
)
@bp.response(201, CampaignSchema, description="The new draft")
@bp.alt_response(404, schema=ErrorSchema, description="No such campaign")
def duplicate_campaign(campaign_id: int):
    copy = services.duplicate_campaign(brand_id=api_user().id, campaign_id=campaign_id)
    db.session.commit()
    return campaign_json(copy)
