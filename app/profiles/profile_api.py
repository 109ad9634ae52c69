"""/api/v1: a brand's and a KOL's own profile text, as the profile page edits it (the logo and
the avatar are uploads, made on that page). The same service and checks as the page; a PUT
gives every field, as the page's form does."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import StrictSchema, amount, text
from app.auth.models import Role
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES
from app.extensions import db
from app.money import CURRENCIES, to_major_text
from app.profiles import services
from app.profiles.models import BrandProfile, KolProfile

_COUNTRY = validate.OneOf(sorted(COUNTRIES))
_CURRENCY = validate.OneOf(list(CURRENCIES))
_RATE = "Integer in the rate card currency's minor unit; 0 = no price shown"


class BrandProfileIn(StrictSchema):
    company_name = text(120, required=True, min_length=1)
    website = text(300, allow_none=True, load_default=None, metadata={"description": "http(s)"})
    industry = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(sorted(CATEGORIES))
    )
    description = text(5000, allow_none=True, load_default=None)
    billing_country = fields.String(allow_none=True, load_default=None, validate=_COUNTRY)
    currency = fields.String(required=True, validate=_CURRENCY)


class BrandProfileOut(Schema):
    user_id = fields.Integer(required=True)
    company_name = fields.String(required=True)
    website = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True, allow_none=True)
    description = fields.String(required=True, allow_none=True)
    billing_country = fields.String(required=True, allow_none=True)
    currency = fields.String(required=True)
    has_logo = fields.Boolean(required=True, metadata={"description": "Uploaded on the web"})


class KolProfileIn(StrictSchema):
    display_name = text(120, required=True, min_length=1)
    bio = text(2000, allow_none=True, load_default=None)
    niches = fields.List(
        fields.String(validate=validate.OneOf(sorted(CATEGORIES))),
        load_default=list,
        validate=validate.Length(max=len(CATEGORIES)),
    )
    region = fields.String(allow_none=True, load_default=None, validate=_COUNTRY)
    city = text(80, allow_none=True, load_default=None)
    languages = fields.List(
        fields.String(validate=validate.OneOf(sorted(LANGUAGES))),
        load_default=list,
        validate=validate.Length(max=len(LANGUAGES)),
    )
    rate_currency = fields.String(required=True, validate=_CURRENCY)
    rate_image = amount(minimum=0, load_default=0, metadata={"description": _RATE})
    rate_video = amount(minimum=0, load_default=0, metadata={"description": _RATE})


class KolProfileOut(Schema):
    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    bio = fields.String(required=True, allow_none=True)
    niches = fields.List(fields.String(), required=True)
    region = fields.String(required=True, allow_none=True)
    city = fields.String(required=True, allow_none=True)
    languages = fields.List(fields.String(), required=True)
    rate_currency = fields.String(required=True)
    rate_image = fields.Integer(required=True, metadata={"description": _RATE})
    rate_video = fields.Integer(required=True, metadata={"description": _RATE})
    verification = fields.String(required=True)
    has_avatar = fields.Boolean(required=True, metadata={"description": "Uploaded on the web"})


def brand_profile_json(profile: BrandProfile) -> dict:
    names = ("user_id", "company_name", "website", "industry", "description",
             "billing_country", "currency")  # fmt: skip
    return {name: getattr(profile, name) for name in names} | {"has_logo": bool(profile.logo)}


def kol_profile_json(profile: KolProfile) -> dict:
    names = ("user_id", "display_name", "bio", "region", "city", "rate_currency", "rate_image",
             "rate_video")  # fmt: skip
    return {name: getattr(profile, name) for name in names} | {
        "niches": sorted(profile.niche_codes),
        "languages": sorted(profile.language_codes),
        "verification": profile.verification.value,
        "has_avatar": bool(profile.avatar),
    }


@bp.get("/profile/brand")
@api_access(Role.BRAND)
@bp.doc(operationId="getBrandProfile", summary="The brand's own profile, as its page edits it")
@bp.response(200, BrandProfileOut)
def get_brand_profile():
    return brand_profile_json(services.brand_profile(api_user().id))


@bp.put("/profile/brand")
@api_access(Role.BRAND)
@bp.doc(operationId="putBrandProfile", summary="Save the brand's profile text (every field)")
@bp.arguments(BrandProfileIn)
@bp.response(200, BrandProfileOut)
def put_brand_profile(body: dict):
    profile = services.update_brand_profile(user_id=api_user().id, **body)
    db.session.commit()
    return brand_profile_json(profile)


@bp.get("/profile/kol")
@api_access(Role.KOL)
@bp.doc(operationId="getKolProfile", summary="The KOL's own profile and rate card")
@bp.response(200, KolProfileOut)
def get_kol_profile():
    return kol_profile_json(services.kol_profile(api_user().id))


@bp.put("/profile/kol")
@api_access(Role.KOL)
@bp.doc(operationId="putKolProfile", summary="Save the KOL's profile text and rate card")
@bp.arguments(KolProfileIn)
@bp.response(200, KolProfileOut)
def put_kol_profile(body: dict):
    currency = body["rate_currency"]
    # The service reads prices as the form types them (major units); the API sends minor ones.
    rates = {name: to_major_text(body.pop(name), currency) for name in ("rate_image", "rate_video")}
    profile = services.update_kol_profile(user_id=api_user().id, **body, **rates)
    db.session.commit()
    return kol_profile_json(profile)
