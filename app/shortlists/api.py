"""/api/v1: search KOLs (*Find KOLs*'s filters), a brand's shortlists, and invitations — the
same services and rules as the web pages."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import media_store
from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, PageArgs
from app.auth.models import Role
from app.authz import SIGNED_IN
from app.campaigns import discovery
from app.campaigns.invitations import invite_kol
from app.campaigns.models import Invitation
from app.campaigns.services import owned_campaign
from app.errors import ValidationFailed
from app.extensions import db
from app.pagination import page_json
from app.shortlists import services
from app.shortlists.api_schemas import (
    BulkInvitationSchema,
    InvitationList,
    InvitationSchema,
    InviteInput,
    InviteKolInput,
    KolQuery,
    KolResultList,
    ShortlistInput,
    ShortlistList,
    ShortlistSchema,
)
from app.shortlists.models import Shortlist


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def kol_result(row: discovery.KolRow) -> dict[str, Any]:
    p = row.profile
    return {
        "id": p.user_id,
        "display_name": p.display_name,
        "avatar_url": media_store.public_url(p.avatar, external=True) if p.avatar else None,
        "tier": p.tier,
        "region": p.region,
        "niches": p.niche_codes,
        "languages": p.language_codes,
        "followers": p.total_followers,
        "verified": p.is_verified,
        "rate_currency": p.rate_currency,
        "rate_image": p.rate_image,
        "rate_video": p.rate_video,
        "rating": round(row.rating, 2) if row.rating is not None else None,
        "ratings": row.ratings,
        "completed": row.completed,
        "reliability": row.reliability,
    }


@bp.get("/kols")
@api_access(SIGNED_IN)
@bp.doc(operationId="searchKols", summary="Search verified KOLs with Find KOLs' filters")
@bp.arguments(KolQuery, location="query")
@bp.response(200, KolResultList)
def search_kols(args: dict):
    fields = ("q", "niche", "tier", "region", "language", "followers_min", "followers_max",
              "currency", "price_max", "rating_min", "sort")  # fmt: skip
    filters = discovery.KolFilters(**{k: args[k] for k in fields if k in args})
    filters.content_format = args.get("format", "image")
    if filters.price_max is not None and not filters.currency:
        raise ValidationFailed({"currency": [_("Choose the currency of the price.")]})
    page = discovery.search_kols_after(
        filters=filters, cursor=args.get("cursor"), per_page=args["per_page"]
    )
    return page_json(page, [kol_result(row) for row in page.items])


def shortlist_json(shortlist: Shortlist, *, kols: bool = False) -> dict[str, Any]:
    body = {
        "id": shortlist.id,
        "name": shortlist.name,
        "created_at": _iso(shortlist.created_at),
        "kol_ids": shortlist.kol_ids,
    }
    if kols:
        body["kols"] = [kol_result(row) for row in discovery.kol_rows(shortlist.kol_ids)]
    return body


@bp.get("/shortlists")
@api_access(Role.BRAND)
@bp.doc(operationId="listShortlists", summary="Your shortlists (brands), by name")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ShortlistList)
def list_shortlists(args: dict):
    stmt = select(Shortlist).where(Shortlist.brand_id == api_user().id).order_by(Shortlist.name)
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_json(page, [shortlist_json(s) for s in page.items])


@bp.post("/shortlists")
@api_access(Role.BRAND)
@bp.doc(operationId="createShortlist", summary="Create a named, empty shortlist (brands)")
@bp.arguments(ShortlistInput)
@bp.response(201, ShortlistSchema)
def create_shortlist(body: dict):
    shortlist = services.create_shortlist(brand_id=api_user().id, name=body.get("name"))
    db.session.commit()
    return shortlist_json(shortlist)


@bp.get("/shortlists/<int:shortlist_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="getShortlist", summary="One shortlist with its KOLs side by side")
@bp.response(200, ShortlistSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist")
def get_shortlist(shortlist_id: int):
    shortlist = services.owned_shortlist(brand_id=api_user().id, shortlist_id=shortlist_id)
    return shortlist_json(shortlist, kols=True)


@bp.patch("/shortlists/<int:shortlist_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="renameShortlist", summary="Rename a shortlist")
@bp.arguments(ShortlistInput)
@bp.response(200, ShortlistSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist")
def rename_shortlist(body: dict, shortlist_id: int):
    shortlist = services.rename_shortlist(
        brand_id=api_user().id, shortlist_id=shortlist_id, name=body.get("name")
    )
    db.session.commit()
    return shortlist_json(shortlist)


@bp.delete("/shortlists/<int:shortlist_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="deleteShortlist", summary="Delete a shortlist (invitations sent stay)")
@bp.response(204)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist")
def delete_shortlist(shortlist_id: int):
    services.delete_shortlist(brand_id=api_user().id, shortlist_id=shortlist_id)
    db.session.commit()
    return ""


@bp.put("/shortlists/<int:shortlist_id>/kols/<int:kol_id>")
@api_access(Role.BRAND)
@bp.doc(
    operationId="addShortlistKol", summary="Put a verified KOL on a shortlist (again: no change)"
)
@bp.response(200, ShortlistSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist or verified KOL")
def add_shortlist_kol(shortlist_id: int, kol_id: int):
    services.add_kol(brand_id=api_user().id, shortlist_id=shortlist_id, kol_id=kol_id)
    db.session.commit()
    return shortlist_json(
        services.owned_shortlist(brand_id=api_user().id, shortlist_id=shortlist_id)
    )


@bp.delete("/shortlists/<int:shortlist_id>/kols/<int:kol_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="removeShortlistKol", summary="Take a KOL off a shortlist")
@bp.response(200, ShortlistSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist, or not on it")
def remove_shortlist_kol(shortlist_id: int, kol_id: int):
    services.remove_kol(brand_id=api_user().id, shortlist_id=shortlist_id, kol_id=kol_id)
    db.session.commit()
    return shortlist_json(
        services.owned_shortlist(brand_id=api_user().id, shortlist_id=shortlist_id)
    )


@bp.post("/shortlists/<int:shortlist_id>/invitations")
@api_access(Role.BRAND)
@bp.doc(
    operationId="inviteShortlist",
    summary="Invite every KOL on a shortlist to an open campaign (nobody twice)",
)
@bp.arguments(InviteInput)
@bp.response(200, BulkInvitationSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such shortlist or campaign")
@bp.alt_response(409, schema=ErrorSchema, description="Campaign not open, or list empty")
def invite_shortlist(body: dict, shortlist_id: int):
    services.owned_shortlist(brand_id=api_user().id, shortlist_id=shortlist_id)
    _required(body, "campaign_id")
    result = services.invite_shortlist(
        brand_id=api_user().id,
        shortlist_id=shortlist_id,
        campaign_id=body["campaign_id"],
        message=body.get("message", ""),
    )
    db.session.commit()
    return {
        "campaign_id": body["campaign_id"],
        "invited": result.invited,
        "already_invited": result.already,
        "not_verified": result.not_verified,
    }


def _required(body: dict, name: str) -> None:
    if body.get(name) is None:
        raise ValidationFailed({name: [_("This field is required.")]})


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "campaign_id": invitation.campaign_id,
        "campaign_title": invitation.campaign.title,
        "kol_id": invitation.kol_id,
        "message": invitation.message,
        "created_at": _iso(invitation.created_at),
    }


@bp.post("/campaigns/<int:campaign_id>/invitations")
@api_access(Role.BRAND)
@bp.doc(operationId="inviteKol", summary="Invite one verified KOL to an open campaign (once)")
@bp.arguments(InviteKolInput)
@bp.response(201, InvitationSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such campaign or verified KOL")
@bp.alt_response(409, schema=ErrorSchema, description="Not open, or invited already")
def invite_one_kol(body: dict, campaign_id: int):
    owned_campaign(brand_id=api_user().id, campaign_id=campaign_id)
    _required(body, "kol_id")
    invitation = invite_kol(
        brand_id=api_user().id,
        campaign_id=campaign_id,
        kol_id=body["kol_id"],
        message=body.get("message", ""),
    )
    db.session.commit()
    return invitation_json(invitation)


@bp.get("/invitations")
@api_access(Role.KOL)
@bp.doc(operationId="listInvitations", summary="Your invitations to bid (KOLs), newest first")
@bp.arguments(PageArgs, location="query")
@bp.response(200, InvitationList)
def list_invitations(args: dict):
    stmt = (
        select(Invitation).where(Invitation.kol_id == api_user().id).order_by(Invitation.id.desc())
    )
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_json(page, [invitation_json(i) for i in page.items])
