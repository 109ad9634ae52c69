"""/api/v1: a shopper's own profile text, as their profile page edits it (the avatar is an
upload, made on that page). The same service and checks as the page."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import StrictSchema, text
from app.auth.models import Role
from app.catalog import CATEGORIES
from app.engagement import shoppers
from app.engagement.models import ShopperProfile
from app.extensions import db


class ShopperProfileIn(StrictSchema):
    display_name = text(shoppers.NAME_MAX, required=True, min_length=1)
    interests = fields.List(
        fields.String(validate=validate.OneOf(sorted(CATEGORIES))),
        load_default=list,
        validate=validate.Length(max=len(CATEGORIES)),
    )


class ShopperProfileOut(Schema):
    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    interests = fields.List(fields.String(), required=True)
    has_avatar = fields.Boolean(required=True, metadata={"description": "Uploaded on the web"})


def shopper_profile_json(profile: ShopperProfile) -> dict:
    return {"user_id": profile.user_id, "display_name": profile.display_name,
            "interests": list(profile.interests or []), "has_avatar": bool(profile.avatar)}  # fmt: skip


@bp.get("/profile/shopper")
@api_access(Role.SHOPPER)
@bp.doc(operationId="getShopperProfile", summary="The shopper's own profile")
@bp.response(200, ShopperProfileOut)
def get_shopper_profile():
    return shopper_profile_json(shoppers.shopper_profile(api_user().id))


@bp.put("/profile/shopper")
@api_access(Role.SHOPPER)
@bp.doc(operationId="putShopperProfile", summary="Save the shopper's name and interests")
@bp.arguments(ShopperProfileIn)
@bp.response(200, ShopperProfileOut)
def put_shopper_profile(body: dict):
    profile = shoppers.update_shopper_profile(user_id=api_user().id, **body)
    db.session.commit()
    return shopper_profile_json(profile)
