"""/api/v1/kols/<id>: a KOL's public profile as the KOL page shows it (any API key, as for
campaigns), with each social account's check: only counts an admin checked make
``followers`` and ``tier`` (issue 24)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from app.api.auth import api_access
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.authz import SIGNED_IN
from app.profiles.models import KolProfile, SocialAccount
from app.profiles.services import kol_profile


class AccountSchema(Schema):
    platform = fields.String(required=True)
    handle = fields.String(required=True)
    followers = fields.Integer(required=True, metadata={"description": "As the KOL typed it"})
    verified = fields.Boolean(
        required=True, metadata={"description": "An admin checked this count; else not counted"}
    )
    verified_followers = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The count an admin checked"}
    )


class KolSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    verification = fields.String(required=True)
    followers = fields.Integer(
        required=True, metadata={"description": "Sum of the counts an admin checked"}
    )
    unverified_followers = fields.Integer(
        required=True, metadata={"description": "Typed in, not checked yet: not counted"}
    )
    tier = fields.String(required=True, metadata={"description": "From checked followers"})
    accounts = fields.List(fields.Nested(AccountSchema), required=True)


def account_json(account: SocialAccount) -> dict[str, Any]:
    return {
        "platform": account.platform,
        "handle": account.handle,
        "followers": account.followers,
        "verified": account.is_verified,
        "verified_followers": account.verified_followers if account.verified_at else None,
    }


def kol_json(profile: KolProfile) -> dict[str, Any]:
    return {
        "id": profile.user_id,
        "display_name": profile.display_name,
        "verification": profile.verification.value,
        "followers": profile.total_followers,
        "unverified_followers": profile.unchecked_followers,
        "tier": profile.tier,
        "accounts": [account_json(a) for a in profile.social_accounts],
    }


@bp.get("/kols/<int:kol_id>")
@api_access(SIGNED_IN)
@bp.doc(operationId="getKol", summary="A KOL's public profile and the check of each account")
@bp.response(200, KolSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such KOL")
def get_kol(kol_id: int):
    return kol_json(kol_profile(kol_id))
