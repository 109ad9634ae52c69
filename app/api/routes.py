"""/api/v1: who am I, the OpenAPI document and its browsable page."""

from pathlib import Path

import swagger_ui_bundle
from flask import jsonify, render_template, send_from_directory
from marshmallow import Schema, fields, validate

from app.api import ratelimit
from app.api.auth import api_access, api_person
from app.api.openapi import ApiBlueprint, openapi_document
from app.authz import PUBLIC, SIGNED_IN

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(ratelimit.count_call)  # one budget per API key (app/api/ratelimit.py)
bp.after_request(ratelimit.add_headers)
# Swagger UI's files ship in a Python package: served from here, never from a CDN.
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
ROLES = ["brand", "kol", "finance", "admin", "shopper"]


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    locale = fields.String(required=True, allow_none=True)
    time_zone = fields.String(
        required=True, allow_none=True, metadata={"description": "IANA zone; null reads as UTC"}
    )


def me_json(user) -> dict:
    """The person who owns the key (the brand they act for: ``GET /brands``)."""
    return {"id": user.id, "email": user.email, "role": user.role.value, "locale": user.locale,
            "time_zone": user.time_zone}  # fmt: skip


@bp.get("/me")
@api_access(SIGNED_IN)
@bp.doc(operationId="getMe", summary="The account that owns the API key")
@bp.response(200, MeSchema)
def me():
    return me_json(api_person())


@bp.get("/openapi.json")
@api_access(PUBLIC)
def openapi():
    return jsonify(openapi_document())


@bp.get("/docs")
@api_access(PUBLIC)
def docs():
    return render_template("api/docs.html")


@bp.get("/docs/swagger-ui.css")
@api_access(PUBLIC)
def docs_css():
    return send_from_directory(SWAGGER_UI, "swagger-ui.css", max_age=86400)


@bp.get("/docs/swagger-ui-bundle.js")
@api_access(PUBLIC)
def docs_js():
    return send_from_directory(SWAGGER_UI, "swagger-ui-bundle.js", max_age=86400)


# Feature endpoints register themselves on ``bp`` when imported.
from app.analytics import api as analytics  # noqa: E402, F401
from app.api import (  # noqa: E402, F401
    account,
    bids,
    campaigns,
    contract_actions,
    contracts,
    finance,
    finance_actions,
    finance_books,
    media_kit_links,
    note_actions,
    notes,
    paperwork,
    paperwork_settings,
    payments,
)
from app.engagement import api as engagement  # noqa: E402, F401
from app.engagement import comments_api, shopper_api, social_api  # noqa: E402, F401
from app.licences import api as licences_api  # noqa: E402, F401
from app.orgs import api as orgs_api  # noqa: E402, F401
from app.outcomes import api as outcomes_api  # noqa: E402, F401
from app.profiles import api as profiles_api  # noqa: E402, F401
from app.profiles import profile_api, verification_api  # noqa: E402, F401
from app.profiles import social_api as social_accounts_api  # noqa: E402, F401
from app.shortlists import api as shortlists_api  # noqa: E402, F401
from app.webhooks import api as webhooks_api  # noqa: E402, F401
