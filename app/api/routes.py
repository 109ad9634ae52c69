"""/api/v1: who am I, and the OpenAPI document."""

from flask import Blueprint, jsonify

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, openapi_document
from app.authz import PUBLIC, SIGNED_IN

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SCHEMAS["Me"] = {
    "type": "object",
    "required": ["id", "email", "role"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "role": {"type": "string", "enum": ["brand", "kol", "finance", "admin", "shopper"]},
        "locale": {"type": "string", "nullable": True},
    },
}


@bp.get("/me")
@api_access(SIGNED_IN)
def me():
    user = api_user()
    return jsonify(id=user.id, email=user.email, role=user.role.value, locale=user.locale)


document(
    "/me",
    "get",
    {
        "summary": "The account that owns the API key",
        "operationId": "getMe",
        "responses": {
            "200": {
                "description": "The caller",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}},
            }
        },
    },
)


@bp.get("/openapi.json")
@api_access(PUBLIC)
def openapi():
    return jsonify(openapi_document())


# Feature endpoints register themselves on ``bp`` when imported.
from app.analytics import api as analytics  # noqa: E402, F401
from app.api import bids, campaigns, contracts, finance, notes, payments  # noqa: E402, F401
from app.engagement import api as engagement  # noqa: E402, F401
from app.engagement import comments_api  # noqa: E402, F401
