"""/api/v1 endpoints for campaigns (same services and rules as the web pages).

Amounts are integers in the currency's minor unit; datetimes are ISO 8601 (UTC when no offset).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.auth.models import Role
from app.authz import SIGNED_IN
from app.campaigns import queries, services
from app.campaigns.forms import browse_filters, parse_when
from app.campaigns.models import Campaign
from app.campaigns.queries import Fit
from app.errors import ValidationFailed, json_error
from app.extensions import db
from app.pagination import page_json
from app.profiles.models import KolProfile
from app.text import render_markdown

TEXT_FIELDS = (
    "title",
    "brief",
    "product_name",
    "product_url",
    "category",
    "content_format",
    "currency",
    "usage_rights",
)
INT_FIELDS = (
    "notes_wanted",
    "budget",
    "price_min",
    "price_max",
    "min_followers",
    "revision_rounds",
    "review_window_days",
    "keep_live_days",
    "attribution_days",
)
LIST_FIELDS = ("niches", "tiers", "regions", "languages", "required_hashtags", "required_mentions")
DATE_FIELDS = ("application_deadline", "delivery_deadline")
ALL_FIELDS = TEXT_FIELDS + INT_FIELDS + LIST_FIELDS + DATE_FIELDS


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
        "cover_image_url": url_for("main.media", name=campaign.cover_image, _external=True)
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
        "application_deadline": _iso(campaign.application_deadline),
        "delivery_deadline": _iso(campaign.delivery_deadline),
        "created_at": _iso(campaign.created_at),
        "published_at": _iso(campaign.published_at),
    }
    for field, kind in services.TARGET_KINDS.items():
        body[field] = campaign.targets_of(kind)
    if fit is not None:
        body["fit"] = {
            "qualifies": fit.qualifies,
            "score": fit.score,
            "reasons": fit.matches,
            "blockers": fit.blockers,
        }
    return body


def _json_body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _values_from_json(body: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Type-check the JSON fields (the services check the rules); unknown fields are refused."""
    errors: dict[str, list[str]] = {}
    values = dict(base or {})
    for name in sorted(set(body) - set(ALL_FIELDS)):
        errors[name] = [_("Unknown field.")]
    for name, value in body.items():
        if name in TEXT_FIELDS and value is not None and not isinstance(value, str):
            errors[name] = [_("Expected a string.")]
        elif name in INT_FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
            errors[name] = [_("Expected an integer (amounts in minor units).")]
        elif name in LIST_FIELDS and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            errors[name] = [_("Expected a list of strings.")]
        elif name in DATE_FIELDS:
            try:
                value = parse_when(value) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None:
                errors[name] = [_("Expected an ISO 8601 date and time.")]
        values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return values


def _bad_json():
    return json_error(400, "bad_request", _("The body must be a JSON object."))


def _caller_kol() -> KolProfile | None:
    user = api_user()
    return queries.kol_for_fit(user.id) if user.role == Role.KOL else None


@bp.get("/campaigns")
@api_access(SIGNED_IN)
def list_campaigns():
    kol = _caller_kol()
    per_page = request.args.get("per_page", 20, type=int)
    page = request.args.get("page", 1, type=int)
    if not 1 <= per_page <= queries.MAX_PER_PAGE or page < 1:
        raise ValidationFailed({"per_page": [_("Use page ≥ 1 and per_page from 1 to 100.")]})
    filters = browse_filters(
        request.args, minor_units=True, default_sort="fits" if kol else "newest"
    )
    result = queries.browse_campaigns(filters=filters, kol=kol, page=page, per_page=per_page)
    items = [campaign_json(c, queries.assess(c, kol) if kol else None) for c in result.items]
    return jsonify(page_json(result, items))


@bp.post("/campaigns")
@api_access(Role.BRAND)
def create_campaign():
    body = _json_body()
    if body is None:
        return _bad_json()
    campaign = services.create_campaign(brand_id=api_user().id, values=_values_from_json(body))
    db.session.commit()
    return jsonify(campaign_json(campaign)), 201


@bp.get("/campaigns/<int:campaign_id>")
@api_access(SIGNED_IN)
def get_campaign(campaign_id: int):
    campaign = services.visible_campaign(campaign_id=campaign_id, user_id=api_user().id)
    kol = _caller_kol()
    return jsonify(campaign_json(campaign, queries.assess(campaign, kol) if kol else None))


@bp.patch("/campaigns/<int:campaign_id>")
@api_access(Role.BRAND)
def update_campaign(campaign_id: int):
    body = _json_body()
    if body is None:
        return _bad_json()
    current = services.owned_campaign(brand_id=api_user().id, campaign_id=campaign_id)
    values = _values_from_json(body, base=services.campaign_values(current))
    campaign = services.update_campaign(
        brand_id=api_user().id, campaign_id=campaign_id, values=values
    )
    db.session.commit()
    return jsonify(campaign_json(campaign))


ACTIONS = {
    "publish": services.publish_campaign,
    "close": services.close_campaign,
    "reopen": services.reopen_campaign,
    "cancel": services.cancel_campaign,
}


def _move(campaign_id: int, action: str):
    campaign = ACTIONS[action](brand_id=api_user().id, campaign_id=campaign_id)
    db.session.commit()
    return jsonify(campaign_json(campaign))


@bp.post("/campaigns/<int:campaign_id>/publish")
@api_access(Role.BRAND)
def publish_campaign(campaign_id: int):
    return _move(campaign_id, "publish")


@bp.post("/campaigns/<int:campaign_id>/close")
@api_access(Role.BRAND)
def close_campaign(campaign_id: int):
    return _move(campaign_id, "close")


@bp.post("/campaigns/<int:campaign_id>/reopen")
@api_access(Role.BRAND)
def reopen_campaign(campaign_id: int):
    return _move(campaign_id, "reopen")


@bp.post("/campaigns/<int:campaign_id>/cancel")
@api_access(Role.BRAND)
def cancel_campaign(campaign_id: int):
    return _move(campaign_id, "cancel")


# --- OpenAPI ------------------------------------------------------------------------------

_STR_LIST = {"type": "array", "items": {"type": "string"}}
SCHEMAS["CampaignInput"] = {
    "type": "object",
    "description": "Amounts are integers in the currency's minor unit (cents; yen for JPY). "
    "Datetimes are ISO 8601; without an offset they are UTC. PATCH takes any subset.",
    "properties": {
        "title": {"type": "string", "maxLength": 140},
        "brief": {"type": "string", "description": "Markdown; shown sanitised"},
        "product_name": {"type": "string"},
        "product_url": {"type": "string", "format": "uri", "description": "http or https"},
        "category": {"type": "string"},
        "content_format": {"type": "string", "enum": ["image", "video"]},
        "notes_wanted": {"type": "integer", "minimum": 1},
        "currency": {"type": "string", "example": "usd"},
        "budget": {"type": "integer", "minimum": 1},
        "price_min": {"type": "integer", "minimum": 1},
        "price_max": {"type": "integer", "minimum": 1},
        "min_followers": {"type": "integer", "minimum": 0, "default": 0},
        "niches": _STR_LIST,
        "tiers": _STR_LIST,
        "regions": _STR_LIST,
        "languages": _STR_LIST,
        "application_deadline": {"type": "string", "format": "date-time"},
        "delivery_deadline": {"type": "string", "format": "date-time"},
        "required_hashtags": _STR_LIST,
        "required_mentions": _STR_LIST,
        "revision_rounds": {"type": "integer", "default": 2},
        "review_window_days": {"type": "integer", "default": 3},
        "keep_live_days": {"type": "integer", "default": 30},
        "attribution_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 90,
            "default": 7,
            "description": "Orders within this many days of a click on a note are attributed "
            "to it (default: the ANALYTICS_ATTRIBUTION_DAYS setting, 7)",
        },
        "usage_rights": {"type": "string"},
    },
    "additionalProperties": False,
}
SCHEMAS["CampaignFit"] = {
    "type": "object",
    "description": "Present when the caller is a KOL: whether they may bid, and why.",
    "properties": {
        "qualifies": {"type": "boolean"},
        "score": {"type": "integer"},
        "reasons": _STR_LIST,
        "blockers": _STR_LIST,
    },
}
SCHEMAS["Campaign"] = {
    "allOf": [
        {"$ref": "#/components/schemas/CampaignInput"},
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "brand_id": {"type": "integer"},
                "status": {
                    "type": "string",
                    "enum": ["draft", "open", "closed", "completed", "cancelled"],
                },
                "brief_html": {"type": "string"},
                "cover_image_url": {"type": "string", "nullable": True},
                "committed_amount": {"type": "integer"},
                "committed_notes": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "published_at": {"type": "string", "format": "date-time", "nullable": True},
                "fit": {"$ref": "#/components/schemas/CampaignFit"},
            },
        },
    ]
}
SCHEMAS["CampaignList"] = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "pages": {"type": "integer"},
    },
}


def _json(ref: str, description: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CampaignInput"}}},
}
document(
    "/campaigns",
    "get",
    {
        "summary": "Open campaigns, with the discovery filters (KOL callers get their fit)",
        "operationId": "listCampaigns",
        "parameters": [
            _query("q", "Full-text search on title and brief"),
            _query("category", "Category code"),
            _query("format", "image or video"),
            _query("region", "Country code; campaigns aimed at it or at every region"),
            _query("currency", "Currency of price_min/price_max"),
            _query("price_min", "Pays at least (minor units)", {"type": "integer"}),
            _query("price_max", "Starts at most (minor units)", {"type": "integer"}),
            _query("deadline_before", "Applications close by (ISO date or date-time)"),
            _query("sort", "fits (KOLs, default), newest, price, closing"),
            _query("page", "Page number from 1", {"type": "integer"}),
            _query("per_page", "1 to 100 (default 20)", {"type": "integer"}),
        ],
        "responses": {
            "200": _json("CampaignList", "One page of open campaigns"),
            "422": error_response("A filter is not valid"),
        },
    },
)
document(
    "/campaigns",
    "post",
    {
        "summary": "Create a draft campaign (brands)",
        "operationId": "createCampaign",
        "requestBody": _BODY,
        "responses": {
            "201": _json("Campaign", "The draft"),
            "400": error_response("The body is not a JSON object"),
            "422": error_response("Fields are not valid"),
        },
    },
)
document(
    "/campaigns/{id}",
    "get",
    {
        "summary": "One campaign (drafts only to their brand)",
        "operationId": "getCampaign",
        "parameters": [_ID],
        "responses": {
            "200": _json("Campaign", "The campaign"),
            "404": error_response("No such campaign"),
        },
    },
)
document(
    "/campaigns/{id}",
    "patch",
    {
        "summary": "Change a draft (brands; any subset of fields)",
        "operationId": "updateCampaign",
        "parameters": [_ID],
        "requestBody": _BODY,
        "responses": {
            "200": _json("Campaign", "The draft"),
            "400": error_response("The body is not a JSON object"),
            "404": error_response("No such campaign"),
            "409": error_response("Not a draft"),
            "422": error_response("Fields are not valid"),
        },
    },
)
for _action, _summary in (
    ("publish", "Publish a complete draft: draft → open"),
    ("close", "Close applications: open → closed"),
    ("reopen", "Reopen applications: closed → open"),
    ("cancel", "Cancel: draft, open or closed → cancelled"),
):
    document(
        f"/campaigns/{{id}}/{_action}",
        "post",
        {
            "summary": _summary,
            "operationId": f"{_action}Campaign",
            "parameters": [_ID],
            "responses": {
                "200": _json("Campaign", "The campaign after the move"),
                "404": error_response("No such campaign"),
                "409": error_response("Illegal transition"),
                "422": error_response("The draft is incomplete"),
            },
        },
    )
