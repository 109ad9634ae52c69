"""/api/v1: a KOL's social accounts — add one, give a new follower count, remove one — with
the same services and rules as the profile page (a count counts once an admin checked it)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictInteger, StrictSchema, text
from app.auth.models import Role
from app.catalog import SOCIAL_PLATFORMS
from app.extensions import db
from app.profiles import services
from app.profiles.models import SocialAccount

FOLLOWERS = validate.Range(min=0, max=2_000_000_000)
_NO_ACCOUNT = {"schema": ErrorSchema, "description": "No such social account of yours"}


class SocialAccountInput(StrictSchema):
    platform = fields.String(required=True, validate=validate.OneOf(sorted(SOCIAL_PLATFORMS)))
    handle = text(80, required=True, min_length=1)
    followers = StrictInteger(required=True, validate=FOLLOWERS)
    url = text(300, allow_none=True, load_default=None)


class FollowersInput(StrictSchema):
    """``followers`` is needed; the service says so (a 422 naming it) after the account is
    found to be the caller's, so a stranger learns nothing from the answer."""

    followers = StrictInteger(validate=FOLLOWERS, load_default=None)


class SocialAccountSchema(Schema):
    id = fields.Integer(required=True)
    platform = fields.String(required=True)
    handle = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)
    followers = fields.Integer(required=True, metadata={"description": "As the KOL gave it"})
    verified_followers = fields.Integer(
        required=True, allow_none=True, metadata={"description": "As an admin last checked it"}
    )


def account_json(account: SocialAccount) -> dict:
    return {"id": account.id, "platform": account.platform, "handle": account.handle,
            "url": account.url, "followers": account.followers,
            "verified_followers": account.verified_followers}  # fmt: skip


@bp.post("/profile/social-accounts")
@api_access(Role.KOL)
@bp.doc(operationId="addSocialAccount", summary="Add a social account (counted once checked)")
@bp.arguments(SocialAccountInput)
@bp.response(201, SocialAccountSchema)
def add_social_account(body: dict):
    account = services.add_social_account(user_id=api_user().id, **body)
    db.session.commit()
    return account_json(account)


@bp.patch("/profile/social-accounts/<int:account_id>")
@api_access(Role.KOL)
@bp.doc(
    operationId="updateSocialAccount",
    summary="A new follower count (a verified one changed goes back to an admin)",
)
@bp.arguments(FollowersInput)
@bp.response(200, SocialAccountSchema)
@bp.alt_response(404, **_NO_ACCOUNT)
def update_social_account(body: dict, account_id: int):
    account = services.update_social_account(
        user_id=api_user().id, account_id=account_id, followers=body["followers"]
    )
    db.session.commit()
    return account_json(account)


@bp.delete("/profile/social-accounts/<int:account_id>")
@api_access(Role.KOL)
@bp.doc(operationId="removeSocialAccount", summary="Remove a social account")
@bp.response(204)
@bp.alt_response(404, **_NO_ACCOUNT)
def remove_social_account(account_id: int):
    services.remove_social_account(user_id=api_user().id, account_id=account_id)
    db.session.commit()
    return ""
