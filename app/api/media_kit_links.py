"""/api/v1 media-kit share links: a KOL's named, revocable read-only links to its media kit
(``/k/<token>``). The same service as the media-kit page."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields

from app.analytics import media_kit
from app.analytics.models import MediaKitLink
from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictSchema, text
from app.auth.models import Role
from app.extensions import db


class NewLink(StrictSchema):
    name = text(80, load_default="", metadata={"description": "Needed: whom it is for"})


class LinkSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Opens the media kit, no sign-in"})
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    revoked_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    last_viewed_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    views = fields.Integer(required=True)


class LinkList(Schema):
    items = fields.List(fields.Nested(LinkSchema), required=True)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def link_json(link: MediaKitLink) -> dict:
    return {
        "id": link.id,
        "name": link.name,
        "url": url_for("analytics.shared_media_kit", token=link.token, _external=True),
        "created_at": _when(link.created_at),
        "revoked_at": _when(link.revoked_at),
        "last_viewed_at": _when(link.last_viewed_at),
        "views": link.views or 0,
    }


@bp.get("/media-kit/links")
@api_access(Role.KOL)
@bp.doc(operationId="listMediaKitLinks", summary="The KOL's media-kit links, active first")
@bp.response(200, LinkList)
def list_media_kit_links():
    return {"items": [link_json(link) for link in media_kit.links_of(api_user().id)]}


@bp.post("/media-kit/links")
@api_access(Role.KOL)
@bp.doc(
    operationId="createMediaKitLink",
    summary="A new named share link to the KOL's media kit (a few active at most)",
)
@bp.arguments(NewLink)
@bp.response(201, LinkSchema)
def create_media_kit_link(payload: dict):
    link = media_kit.create_link(kol_id=api_user().id, name=payload["name"])
    db.session.commit()
    return link_json(link)


@bp.post("/media-kit/links/<int:link_id>/revoke")
@api_access(Role.KOL)
@bp.doc(operationId="revokeMediaKitLink", summary="Stop a link working (idempotent)")
@bp.response(200, LinkSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such link (or not yours)")
def revoke_media_kit_link(link_id: int):
    link = media_kit.revoke_link(kol_id=api_user().id, link_id=link_id)
    db.session.commit()
    return link_json(link)
