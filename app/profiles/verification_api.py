"""/api/v1: a KOL asks to be verified (the accounts to check; a screenshot is an upload, sent
from the verification page) and reads where the request stands; an admin lists the waiting
requests and decides one. The same services as the pages: one request waits at a time, a
rejection needs a reason the KOL reads, the decision is audited and the KOL told."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictBoolean, StrictSchema, text
from app.audit import audit
from app.auth.models import Role
from app.errors import json_error
from app.extensions import db
from app.profiles import services
from app.profiles.models import VerificationRequest


class VerificationIn(StrictSchema):
    handles = text(
        2000,
        required=True,
        min_length=1,
        metadata={"description": "Each platform and handle to check, as on the profile"},
    )


class DecisionIn(StrictSchema):
    approve = StrictBoolean(required=True)
    reason = text(
        2000,
        allow_none=True,
        load_default=None,
        metadata={"description": "Required to reject; the KOL reads it"},
    )


class VerificationOut(Schema):
    id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    handles = fields.String(required=True)
    has_screenshot = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={"description": "pending, verified, rejected"})
    reason = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    decided_at = fields.String(required=True, allow_none=True)


class VerificationList(Schema):
    items = fields.List(fields.Nested(VerificationOut), required=True)


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def verification_json(request: VerificationRequest) -> dict:
    return {"id": request.id, "kol_id": request.kol_id, "handles": request.handles,
            "has_screenshot": bool(request.screenshot), "status": request.status.value,
            "reason": request.reason, "created_at": _iso(request.created_at),
            "decided_at": _iso(request.decided_at)}  # fmt: skip


@bp.post("/profile/verification")
@api_access(Role.KOL)
@bp.doc(operationId="submitVerification", summary="Ask to be verified (one request at a time)")
@bp.arguments(VerificationIn)
@bp.response(201, VerificationOut)
@bp.alt_response(409, schema=ErrorSchema, description="Already waiting, or already verified")
def submit_verification(body: dict):
    request = services.submit_verification(
        user_id=api_user().id, handles=body["handles"], screenshot=None
    )
    db.session.commit()
    return verification_json(request)


@bp.get("/profile/verification")
@api_access(Role.KOL)
@bp.doc(operationId="getVerification", summary="The KOL's latest verification request")
@bp.response(200, VerificationOut)
@bp.alt_response(404, schema=ErrorSchema, description="None asked for yet")
def get_verification():
    request = services.latest_verification(api_user().id)
    if request is None:
        return json_error(404, "not_found", "No verification request yet.")
    return verification_json(request)


@bp.get("/verifications")
@api_access(Role.ADMIN)
@bp.doc(operationId="listVerifications", summary="Requests waiting for an admin, oldest first")
@bp.response(200, VerificationList)
def list_verifications():
    return {"items": [verification_json(r) for r in services.pending_verifications()]}


@bp.post("/verifications/<int:request_id>/decision")
@api_access(Role.ADMIN)
@bp.doc(operationId="decideVerification", summary="Approve or reject a verification request")
@bp.arguments(DecisionIn)
@bp.response(200, VerificationOut)
@bp.alt_response(404, schema=ErrorSchema, description="No such request")
@bp.alt_response(409, schema=ErrorSchema, description="Already decided")
def decide_verification(body: dict, request_id: int):
    admin = api_user()
    request = services.decide_verification(request_id=request_id, admin_id=admin.id, **body)
    audit(actor_id=admin.id, object_type="verification", object_id=request_id,
          action="verification.approve" if body["approve"] else "verification.reject",
          reason=body["reason"] or "")  # fmt: skip
    db.session.commit()
    return verification_json(request)
