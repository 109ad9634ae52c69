"""/api/v1: who am I, the OpenAPI document and its browsable page."""

from pathlib import Path

import swagger_ui_bundle
from flask import jsonify, render_template, send_from_directory
from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.openapi import ApiBlueprint, openapi_document
from app.authz import PUBLIC, SIGNED_IN

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")
# Swagger UI's files ship in a Python package: served from here, never from a CDN.
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
ROLES = ["brand", "kol", "finance", "admin", "shopper"]


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    locale = fields.String(required=True, allow_none=True)


@bp.get("/me")
@api_access(SIGNED_IN)
@bp.doc(operationId="getMe", summary="The account that owns the API key")
@bp.response(200, MeSchema)
def me():
    user = api_user()
    return {"id": user.id, "email": user.email, "role": user.role.value, "locale": user.locale}


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
from app.api import bids, campaigns, contracts, finance, notes, payments  # noqa: E402, F401
from app.engagement import api as engagement  # noqa: E402, F401
from app.engagement import comments_api  # noqa: E402, F401
from app.licences import api as licences_api  # noqa: E402, F401
from app.outcomes import api as outcomes_api  # noqa: E402, F401
from app.profiles import api as profiles_api  # noqa: E402, F401
from app.shortlists import api as shortlists_api  # noqa: E402, F401
